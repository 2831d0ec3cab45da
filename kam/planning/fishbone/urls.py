from __future__ import annotations

from django.urls import path

from kam.planning.fishbone import views

app_name = "planning_fishbone"

urlpatterns = [
    path("opportunity/<id:pk>/fishbone/", views.opportunity_fishbone, name="opportunity"),
    path("opportunity/<id:pk>/fishbone/causes/<id:cause_id>/", views.cause_edit, name="cause_edit"),
    path(
        "opportunity/<id:pk>/fishbone/causes/<id:cause_id>/delete/", views.cause_delete, name="cause_delete"
    ),
]
