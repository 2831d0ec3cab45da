from django.urls import URLPattern

app_name = "team_commission"

urlpatterns: list[URLPattern] = []
