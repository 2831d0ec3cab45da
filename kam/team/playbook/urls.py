from django.urls import URLPattern

app_name = "team_playbook"

urlpatterns: list[URLPattern] = []
