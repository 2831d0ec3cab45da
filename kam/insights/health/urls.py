from django.urls import path

from kam.insights.health import views

urlpatterns = [
    path("health/", views.health_page, name="page"),
    path("health/export/", views.health_export, name="export"),
    path("health/rescan/", views.health_rescan, name="rescan"),
    path("health/rescan/status/", views.health_scan_status, name="scan_status"),
]
