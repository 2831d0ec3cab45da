from django.urls import path

from kam.insights.learning.paths import views

app_name = "learning_paths"

urlpatterns = [
    path("opportunity/<id:pk>/approach-paths/", views.opportunity_paths, name="opportunity"),
]
