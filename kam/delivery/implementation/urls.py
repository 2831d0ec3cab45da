from __future__ import annotations

from django.urls import path

from kam.delivery.implementation import views

app_name = "delivery_implementation"

urlpatterns = [
    # The contract page loads `panel` into its project slot (pk: the contract's id).
    path("contracts/<id:pk>/project/panel/", views.panel, name="panel"),
    path("contracts/<id:pk>/project/", views.contract_project, name="contract_project"),
    path("projects/", views.project_list, name="list"),
    path("projects/<id:pk>/", views.project_page, name="detail"),
    path("projects/<id:pk>/manager/", views.set_manager, name="manager"),
    path("projects/<id:pk>/handover/<id:check>/", views.tick, name="tick"),
    path("projects/<id:pk>/handover/complete/", views.complete_handover, name="complete_handover"),
    path("projects/<id:pk>/close/", views.close, name="close"),
    path("projects/<id:pk>/items/", views.add_item, name="add_item"),
    path("projects/<id:pk>/items/<id:item>/edit/", views.edit_item, name="edit_item"),
    path("projects/<id:pk>/items/<id:item>/remove/", views.remove_item, name="remove_item"),
    path("projects/<id:pk>/items/<id:item>/accept/", views.accept_item, name="accept_item"),
]
