from django.urls import path

from . import pyramid_views

urlpatterns = [
    path("pyramid/", pyramid_views.pyramid_page, name="pyramid"),
]
