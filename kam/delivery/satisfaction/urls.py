from __future__ import annotations

from django.urls import path

from kam.delivery.satisfaction import views

app_name = "delivery_satisfaction"

urlpatterns = [
    # The customer's 360° page loads `customer_panel` into its "Satisfaction" slot.
    path("customers/<id:pk>/satisfaction/panel/", views.customer_panel, name="customer_panel"),
    path("customers/<id:pk>/satisfaction/", views.customer_page, name="customer"),
    path("customers/<id:pk>/satisfaction/surveys/", views.record, name="record"),
    path("surveys/", views.survey_list, name="list"),
    path("surveys/<id:pk>/delete/", views.delete, name="delete"),
]
