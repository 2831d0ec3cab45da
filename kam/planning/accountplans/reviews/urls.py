from __future__ import annotations

from django.urls import path

from kam.planning.accountplans.reviews import views

app_name = "planning_reviews"

urlpatterns = [
    path("accounts/reviews/", views.due, name="due"),
    path("accounts/reviews/badge/", views.badge, name="badge"),
    path("accounts/reviews/collective/", views.collective, name="collective"),
    path("accounts/cycle/", views.cycle, name="cycle"),
    path("accounts/portfolio/", views.portfolio, name="portfolio"),
    # `panel` is what the plan page loads through htmx; `plan` the same as a page of its own.
    path("accounts/<id:pk>/reviews/panel/", views.panel, name="panel"),
    path("accounts/<id:pk>/reviews/", views.plan_page, name="plan"),
    path("accounts/<id:pk>/reviews/record/", views.record, name="record"),
]
