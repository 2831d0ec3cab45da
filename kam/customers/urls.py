from django.urls import include, path

from . import analysis_views, detail_views, scoring_views, tag_views, views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<id:pk>/", detail_views.customer_detail, name="detail"),
    path("<id:pk>/edit/", views.customer_edit, name="edit"),
    path("<id:pk>/org-outline/", detail_views.org_outline, name="org_outline"),
    # Sections of the 360° page, each loaded on its own.
    path("<id:pk>/sections/score/", scoring_views.score_section, name="score_section"),
    path("<id:pk>/sections/tags/", tag_views.tags_section, name="tags_section"),
    path("<id:pk>/sections/analysis/", analysis_views.analysis_section, name="analysis_section"),
    path("", include("kam.customers.detail_urls")),
    path("", include("kam.customers.scoring_urls")),
    path("", include("kam.customers.tag_urls")),
    path("", include("kam.customers.analysis_urls")),
    path("", include("kam.customers.pyramid_urls")),
]
