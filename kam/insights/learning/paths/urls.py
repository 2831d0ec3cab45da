from django.urls import URLPattern

app_name = "learning_paths"

urlpatterns: list[URLPattern] = []
