from __future__ import annotations

from django.urls import path

from kam.planning.approvals import views

app_name = "planning_approvals"

urlpatterns = [
    path("approvals/", views.awaiting, name="awaiting"),
    path("approvals/badge/", views.badge, name="badge"),
    path("approvals/<id:pk>/", views.detail, name="request"),
    path("approvals/<id:pk>/decide/", views.decide, name="decide"),
]
