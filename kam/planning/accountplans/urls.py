from __future__ import annotations

from django.urls import path

from kam.planning.accountplans import views

app_name = "planning_accountplans"

urlpatterns = [
    path("accounts/", views.plan_list, name="list"),
    path("accounts/new/", views.plan_create, name="create"),
    path("accounts/<id:pk>/", views.plan_detail, name="detail"),
    path("accounts/<id:pk>/edit/<slug:key>/", views.section_edit, name="edit_section"),
    path("accounts/<id:pk>/submit/", views.plan_submit, name="submit"),
    path("accounts/<id:pk>/withdraw/", views.plan_withdraw, name="withdraw"),
    path("accounts/<id:pk>/close/", views.plan_close, name="close"),
    path("accounts/<id:pk>/members/", views.member_add, name="member_add"),
    path("accounts/<id:pk>/members/<id:member_id>/", views.member_edit, name="member_edit"),
    path("accounts/<id:pk>/members/<id:member_id>/remove/", views.member_remove, name="member_remove"),
    path("accounts/<id:pk>/shares/", views.share_add, name="share_add"),
    path("accounts/<id:pk>/shares/<id:share_id>/", views.share_edit, name="share_edit"),
    path("accounts/<id:pk>/shares/<id:share_id>/remove/", views.share_remove, name="share_remove"),
    path("accounts/<id:pk>/forecast/", views.forecast_save, name="forecast"),
    path("accounts/<id:pk>/revisions/<int:number>/", views.revision_detail, name="revision"),
    path("accounts/customer/<id:pk>/panel/", views.customer_panel, name="customer_panel"),
]
