from __future__ import annotations

from django.urls import path

from kam.team.skills import views

app_name = "team_skills"

urlpatterns = [
    path("skills/", views.matrix, name="matrix"),
    path("skills/team/", views.team_gaps, name="team"),
    path("skills/people/<id:pk>/", views.person, name="person"),
    path("skills/people/<id:pk>/placement/", views.place, name="place"),
    path("skills/people/<id:pk>/level/", views.set_level, name="set_level"),
    path("skills/people/<id:pk>/training/", views.add_training, name="add_training"),
    path("skills/people/<id:pk>/training/from-gap/", views.plan_from_gap, name="plan_from_gap"),
    path("skills/training/<id:pk>/status/", views.training_status, name="training_status"),
]
