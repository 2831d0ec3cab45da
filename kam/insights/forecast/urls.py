from django.urls import path

from kam.insights.forecast import views

urlpatterns = [
    path("forecast/", views.forecast_page, name="page"),
    path("forecast/export.xlsx", views.forecast_export, name="export"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("funnel/export/", views.funnel_export, name="funnel_export"),
    path("targets/", views.targets_page, name="targets"),
    path("targets/<id:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<id:pk>/delete/", views.target_delete, name="target_delete"),
    path("targets/upload/", views.targets_upload, name="targets_upload"),
    path("targets/template.xlsx", views.targets_template, name="targets_template"),
]
