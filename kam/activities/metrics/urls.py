from django.urls import path

from kam.activities.metrics import views

urlpatterns = [
    path("metrics/", views.scorecard_page, name="page"),
    path("metrics/new/", views.metric_edit, name="new"),
    path("metrics/<id:pk>/edit/", views.metric_edit, name="edit"),
    path("metrics/<id:pk>/delete/", views.metric_delete, name="delete"),
]
