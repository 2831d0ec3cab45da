from django.urls import path

from kam.insights.learning.calibration import views

app_name = "learning_calibration"

urlpatterns = [
    path("calibration/", views.calibration_page, name="page"),
]
