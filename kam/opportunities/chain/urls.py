from django.urls import path

from kam.opportunities.chain import views as chain_views

urlpatterns: list = [
    path("<id:pk>/decision-chain/", chain_views.decision_chain, name="decision_chain"),
    path("<id:pk>/decision-chain/add/", chain_views.add_contact, name="add_contact"),
    path("<id:pk>/decision-chain/person/<id:contact_id>/", chain_views.person, name="person"),
    path(
        "<id:pk>/decision-chain/person/<id:contact_id>/roles/",
        chain_views.person_roles,
        name="person_roles",
    ),
    path(
        "<id:pk>/decision-chain/person/<id:contact_id>/relationship/",
        chain_views.person_relationship,
        name="person_relationship",
    ),
    path("<id:pk>/power-map/", chain_views.power_map, name="power_map"),
    path("<id:pk>/relationship-ahead/", chain_views.relationship_ahead, name="relationship_ahead"),
]
