from __future__ import annotations

from django.urls import path

from kam.planning.winloss import views

app_name = "planning_winloss"

urlpatterns = [
    path("opportunity/<id:pk>/winloss/", views.opportunity_review, name="opportunity"),
    path("winloss/", views.analysis, name="analysis"),
    path("winloss/deals/", views.deals, name="deals"),
    path("winloss/deals/export/", views.deals_export, name="deals_export"),
]
