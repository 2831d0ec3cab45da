from django.urls import path

from kam.opportunities import views

app_name = "opportunities"

urlpatterns: list = [
    path("", views.pipeline, name="pipeline"),
    path("export/", views.pipeline_export, name="export"),
    path("board/", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/move/", views.move, name="move"),
    path("<id:pk>/open-criteria/", views.open_criteria, name="open_criteria"),
    path("<id:pk>/close/", views.close, name="close"),
    path("<id:pk>/criteria/<id:criterion_id>/", views.criterion, name="criterion"),
    path("<id:pk>/members/", views.member_add, name="member_add"),
    path("<id:pk>/members/<id:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<id:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<id:pk>/contacts/<id:entry_id>/remove/", views.contact_remove, name="contact_remove"),
    path("<id:pk>/competitors/", views.competitor_add, name="competitor_add"),
]
