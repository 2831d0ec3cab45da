from django.urls import path

from kam.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.page, name="page"),
    path("<slug:kind>-template.<slug:extension>", views.template, name="template"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/status", views.job_status, name="job_status"),
]
