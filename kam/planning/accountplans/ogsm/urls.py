from __future__ import annotations

from django.urls import path

from kam.planning.accountplans.ogsm import views

app_name = "planning_ogsm"

urlpatterns = [
    path("accounts/<id:pk>/ogsm/", views.cascade_page, name="cascade"),
    path("accounts/<id:pk>/ogsm/export.xlsx", views.export_xlsx, name="export"),
    # Adds a child under `parent_level` (plan → objective, objective → goal, … measure → action).
    path("accounts/ogsm/<slug:parent_level>/<id:pk>/add/", views.add, name="add"),
    path("accounts/ogsm/<slug:level>/<id:pk>/edit/", views.edit, name="edit"),
    path("accounts/ogsm/<slug:level>/<id:pk>/delete/", views.delete, name="delete"),
    path("accounts/ogsm/<slug:level>/<id:pk>/move/", views.move, name="move"),
    path("accounts/ogsm/action/<id:pk>/status/", views.action_status, name="action_status"),
    path("accounts/ogsm/action/<id:pk>/activity/", views.action_activity, name="action_activity"),
]
