from django.urls import path

from kam.insights.loss import views

urlpatterns = [
    path("loss/", views.loss_page, name="page"),
]
