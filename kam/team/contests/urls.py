from django.urls import URLPattern

app_name = "team_contests"

urlpatterns: list[URLPattern] = []
