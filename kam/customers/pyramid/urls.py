from django.urls import path

from kam.customers.pyramid import views as pyramid_views

urlpatterns = [
    path("pyramid/", pyramid_views.pyramid_page, name="pyramid"),
]
