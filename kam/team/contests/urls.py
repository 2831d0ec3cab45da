from __future__ import annotations

from django.urls import path

from kam.team.contests import views

app_name = "team_contests"

urlpatterns = [
    path("contests/", views.contest_list, name="list"),
    path("contests/new/", views.create, name="create"),
    path("contests/<id:pk>/", views.detail, name="detail"),
    path("contests/<id:pk>/edit/", views.edit, name="edit"),
    path("contests/<id:pk>/finish/", views.finish, name="finish"),
]
