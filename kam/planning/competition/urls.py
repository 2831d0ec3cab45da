from __future__ import annotations

from django.urls import path

from kam.planning.competition import views

app_name = "planning_competition"

urlpatterns = [
    path("competitors/", views.directory, name="directory"),
    path("competitors/new/", views.competitor_create, name="competitor_create"),
    path("competitors/<id:pk>/", views.competitor_detail, name="competitor"),
    path("competitors/<id:pk>/edit/", views.competitor_edit, name="competitor_edit"),
    path("opportunity/<id:pk>/competition/", views.opportunity_page, name="opportunity"),
    path("opportunity/<id:pk>/competition/grid/", views.grid_save, name="grid_save"),
    path("opportunity/<id:pk>/competition/competitors/", views.add_competitor, name="add_competitor"),
    path("opportunity/<id:pk>/competition/supporters/", views.supporter_mark, name="supporter_mark"),
    path(
        "opportunity/<id:pk>/competition/supporters/<id:supporter_pk>/remove/",
        views.supporter_remove,
        name="supporter_remove",
    ),
    path("opportunity/<id:pk>/competition/chain-marks/", views.chain_supporters, name="chain_supporters"),
]
