from __future__ import annotations

from django.urls import path

from kam.team.playbook import views

app_name = "team_playbook"

urlpatterns = [
    path("playbook/", views.playbook, name="list"),
    path("playbook/stages/<id:pk>/", views.stage, name="stage"),
    path("playbook/certification/", views.certifications, name="certifications"),
    path("playbook/certification/<id:pk>/", views.person, name="person"),
    path("playbook/rule/", views.rule, name="rule"),
]
