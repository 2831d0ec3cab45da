from __future__ import annotations

from django.urls import path

from kam.delivery.contracts import views

app_name = "delivery_contracts"

urlpatterns = [
    path("contracts/", views.contract_list, name="list"),
    path("contracts/new/", views.create, name="create"),
    path("contracts/new/opportunity/<id:pk>/", views.create_from_opportunity, name="create_from_opportunity"),
    path("contracts/<id:pk>/", views.detail, name="detail"),
    path("contracts/<id:pk>/edit/", views.edit, name="edit"),
    path("contracts/<id:pk>/submit/", views.submit, name="submit"),
    path("contracts/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("contracts/<id:pk>/status/", views.status, name="status"),
    path("contracts/<id:pk>/amendments/", views.amend, name="amend"),
    path("contracts/<id:pk>/attachments/", views.upload, name="upload"),
    path("contracts/<id:pk>/attachments/<id:attachment_id>/", views.download, name="download"),
    path(
        "contracts/<id:pk>/attachments/<id:attachment_id>/delete/",
        views.delete_attachment,
        name="delete_attachment",
    ),
    path("contracts/opportunity/<id:pk>/panel/", views.opportunity_panel, name="opportunity_panel"),
    path("contracts/customer/<id:pk>/panel/", views.customer_panel, name="customer_panel"),
]
