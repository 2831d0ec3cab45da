from django.urls import path

from kam.planning import views

app_name = "planning"

urlpatterns = [
    path("opportunities/<id:pk>/panel/", views.opportunity_panel, name="opportunity_panel"),
]
