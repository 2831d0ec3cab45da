from django.urls import path

from kam.activities.time import views

urlpatterns = [
    path("time/", views.time_page, name="page"),
]
