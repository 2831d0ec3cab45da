from django.urls import URLPattern

app_name = "team_skills"

urlpatterns: list[URLPattern] = []
