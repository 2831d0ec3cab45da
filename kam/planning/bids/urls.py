from __future__ import annotations

from django.urls import path

from kam.planning.bids import views

app_name = "planning_bids"

urlpatterns = [
    path("opportunity/<id:pk>/bids/", views.opportunity, name="opportunity"),
    path("opportunity/<id:pk>/bids/<slug:action>/", views.act, name="act"),
]
