from django.urls import URLPattern

app_name = "team_stars"

urlpatterns: list[URLPattern] = []
