from __future__ import annotations

from django.urls import path

from kam.team.stars import views

app_name = "team_stars"

urlpatterns = [
    path("stars/", views.evaluation_list, name="list"),
    path("stars/evaluations/<id:pk>/", views.evaluation_detail, name="evaluation"),
    path("stars/evaluations/<id:pk>/run/", views.evaluation_rerun, name="rerun"),
    path("stars/evaluations/<id:pk>/publish/", views.evaluation_publish, name="publish"),
    path("stars/ratings/<id:pk>/adjust/", views.rating_adjust, name="adjust"),
    path("stars/people/<id:pk>/", views.person_history, name="history"),
    path("stars/distribution/", views.distribution_page, name="distribution"),
    path("stars/schemes/", views.scheme_list, name="schemes"),
    path("stars/families/", views.family_page, name="families"),
]
