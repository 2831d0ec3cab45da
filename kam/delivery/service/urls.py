from django.urls import path

from kam.delivery.service import views

app_name = "delivery_service"

urlpatterns = [
    path("service/", views.request_list, name="list"),
    path("service/new/", views.create, name="create"),
    path("service/sla/", views.sla_report, name="sla"),
    path("service/sla/export.xlsx", views.sla_export, name="sla_export"),
    path("service/badge/", views.badge, name="badge"),
    path("service/customers/<id:pk>/", views.customer_panel, name="customer_panel"),
    path("service/<id:pk>/", views.detail, name="detail"),
    path("service/<id:pk>/edit/", views.edit, name="edit"),
    path("service/<id:pk>/move/", views.move, name="move"),
    path("service/<id:pk>/reassign/", views.reassign, name="reassign"),
]
