"""The scoring model page and its edits, and the writes of the score section (under /customers/)."""

from django.urls import path

from kam.customers.scoring import views as scoring_views

urlpatterns = [
    path("scoring/", scoring_views.scoring_model, name="scoring_model"),
    path("scoring/criteria/new/", scoring_views.criterion_create, name="scoring_criterion_create"),
    path("scoring/criteria/<id:criterion_id>/", scoring_views.criterion_edit, name="scoring_criterion_edit"),
    path("scoring/criteria/<id:criterion_id>/bands/", scoring_views.criterion_bands, name="scoring_bands"),
    path("scoring/thresholds/", scoring_views.thresholds_edit, name="scoring_thresholds"),
    path(
        "<id:pk>/score/static/<id:criterion_id>/",
        scoring_views.set_static_value,
        name="score_static_value",
    ),
    path("<id:pk>/score/override/", scoring_views.override_tier, name="score_override"),
]
