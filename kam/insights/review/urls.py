from django.urls import path

from kam.insights.review import views as analysis_views

urlpatterns = [
    path("changes/", analysis_views.changes, name="changes"),
    path("changes/export/", analysis_views.changes_export, name="changes_export"),
    path("accuracy/", analysis_views.accuracy, name="accuracy"),
    path("portfolio/", analysis_views.portfolio, name="portfolio"),
    path("matrix/", analysis_views.matrix, name="matrix"),
]
