from django.urls import path

from kam.insights.health import views

urlpatterns = [
    path("health/", views.health_page, name="page"),
]
