from django.urls import include, path

from kam.customers import views
from kam.customers.analysis import views as analysis_views
from kam.customers.profile import views as profile_views
from kam.customers.scoring import views as scoring_views
from kam.customers.tags import views as tag_views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export/", views.customer_export, name="export"),
    path("<id:pk>/", profile_views.customer_detail, name="detail"),
    path("<id:pk>/edit/", views.customer_edit, name="edit"),
    path("<id:pk>/org-outline/", profile_views.org_outline, name="org_outline"),
    # Sections of the 360° page, each loaded on its own.
    path("<id:pk>/sections/score/", scoring_views.score_section, name="score_section"),
    path("<id:pk>/sections/tags/", tag_views.tags_section, name="tags_section"),
    path("<id:pk>/sections/analysis/", analysis_views.analysis_section, name="analysis_section"),
    path("", include("kam.customers.profile.urls")),
    path("", include("kam.customers.scoring.urls")),
    path("", include("kam.customers.tags.urls")),
    path("", include("kam.customers.analysis.urls")),
    path("", include("kam.customers.pyramid.urls")),
    path("", include("kam.customers.pool.urls")),
]
