from django.urls import path

from . import chain_views

urlpatterns: list = [
    path("<int:pk>/decision-chain/", chain_views.decision_chain, name="decision_chain"),
    path("<int:pk>/decision-chain/add/", chain_views.add_contact, name="add_contact"),
    path("<int:pk>/decision-chain/person/<int:contact_id>/", chain_views.person, name="person"),
    path(
        "<int:pk>/decision-chain/person/<int:contact_id>/roles/",
        chain_views.person_roles,
        name="person_roles",
    ),
    path(
        "<int:pk>/decision-chain/person/<int:contact_id>/relationship/",
        chain_views.person_relationship,
        name="person_relationship",
    ),
    path("<int:pk>/power-map/", chain_views.power_map, name="power_map"),
]
