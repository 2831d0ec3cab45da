from django.urls import URLPattern

app_name = "learning_winprob"

urlpatterns: list[URLPattern] = []
