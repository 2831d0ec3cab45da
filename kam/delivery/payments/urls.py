from __future__ import annotations

from django.urls import path

from kam.delivery.payments import views

app_name = "delivery_payments"

urlpatterns = [
    # The contract page loads `panel` through htmx (pk: the contract's id).
    path("contracts/<id:pk>/payments/panel/", views.panel, name="panel"),
    # The contract page's link without JavaScript: the same panel as a page of its own.
    path("contracts/<id:pk>/payments/", views.panel, name="page"),
    path("contracts/<id:pk>/payments/instalments/", views.add_instalment, name="add_instalment"),
    path(
        "contracts/<id:pk>/payments/instalments/<id:iid>/edit/", views.edit_instalment, name="edit_instalment"
    ),
    path(
        "contracts/<id:pk>/payments/instalments/<id:iid>/remove/",
        views.delete_instalment,
        name="delete_instalment",
    ),
    path("contracts/<id:pk>/payments/record/", views.add_payment, name="add_payment"),
    path("contracts/<id:pk>/payments/<id:payment_id>/delete/", views.delete_payment, name="delete_payment"),
    path("contracts/<id:pk>/payments/invoices/", views.add_invoice, name="add_invoice"),
    path(
        "contracts/<id:pk>/payments/invoices/<id:invoice_id>/delete/",
        views.delete_invoice,
        name="delete_invoice",
    ),
    path("receivables/", views.receivables, name="receivables"),
    path("receivables/export.xlsx", views.receivables_export, name="export"),
    # The customer 360° page's receivables section (pk: the customer's id).
    path("customers/<id:pk>/receivables/", views.customer_section, name="customer_section"),
]
