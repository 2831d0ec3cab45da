from django.urls import path

from kam.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.page, name="page"),
    path("<slug:kind>-template.<slug:extension>", views.template, name="template"),
]
