from django.urls import URLPattern

app_name = "learning_calibration"

urlpatterns: list[URLPattern] = []
