from __future__ import annotations

from django.urls import path

from kam.planning.swot import views

app_name = "planning_swot"

OPPORTUNITY = {"scope": "opportunity"}
CUSTOMER = {"scope": "customer"}

urlpatterns = [
    # `opportunity` is the page the deal's strategy panel links to (pk: the opportunity's id).
    path("opportunity/<id:pk>/swot/", views.swot_page, OPPORTUNITY, name="opportunity"),
    path("opportunity/<id:pk>/swot/items/", views.add_item, OPPORTUNITY, name="opportunity_add_item"),
    path(
        "opportunity/<id:pk>/swot/strategies/",
        views.add_strategy,
        OPPORTUNITY,
        name="opportunity_add_strategy",
    ),
    path("customer/<id:pk>/swot/", views.swot_page, CUSTOMER, name="customer"),
    path("customer/<id:pk>/swot/items/", views.add_item, CUSTOMER, name="customer_add_item"),
    path("customer/<id:pk>/swot/strategies/", views.add_strategy, CUSTOMER, name="customer_add_strategy"),
    path("customer/<id:pk>/swot/panel/", views.customer_panel, name="customer_panel"),
    path("swot/items/<id:pk>/edit/", views.edit_item, name="edit_item"),
    path("swot/items/<id:pk>/move/", views.move_item, name="move_item"),
    path("swot/items/<id:pk>/remove/", views.remove_item, name="remove_item"),
    path("swot/strategies/<id:pk>/edit/", views.edit_strategy, name="edit_strategy"),
    path("swot/strategies/<id:pk>/remove/", views.remove_strategy, name="remove_strategy"),
    path("swot/strategies/<id:pk>/action/", views.plan_action, name="plan_action"),
]
