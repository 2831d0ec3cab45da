from django.urls import path

from . import health_views as views

urlpatterns = [
    path("health/", views.health_page, name="page"),
]
