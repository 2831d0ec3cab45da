from __future__ import annotations

from django.urls import path

from kam.planning.initiation import views

app_name = "planning_initiation"

urlpatterns = [
    path("opportunity/<id:pk>/initiation/", views.opportunity, name="opportunity"),
    path("opportunity/<id:pk>/initiation/submit/", views.submit, name="submit"),
    path("opportunity/<id:pk>/initiation/withdraw/", views.withdraw, name="withdraw"),
]
