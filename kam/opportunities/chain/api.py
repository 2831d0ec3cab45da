"""Decision chain, power map and relationship score of an opportunity over JSON.

The pages draw their charts from these endpoints; integrations read the same data. Visibility is the
opportunity's (a record the caller may not see is a 404); role and stance writes go through
`services.set_contact_role` / `services.remove_contact_role`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from kam.access.visibility import get_visible_chain_contact
from kam.core.api.helpers import READ_ERRORS, WRITE_ERRORS
from kam.core.web import current_user
from kam.opportunities import services
from kam.opportunities.chain import selectors as chain
from kam.opportunities.chain.schemas import (
    ContactRoleIn,
    DecisionChainOut,
    PowerMapOut,
    RelationshipScoreOut,
    RoleQuery,
)
from kam.opportunities.models import OpportunityContact

router = Router(tags=["decision chain"])


@router.get(
    "/opportunities/{int:opportunity_id}/decision-chain",
    response={200: DecisionChainOut, **READ_ERRORS},
    summary="Decision chain: limited org tree, approval chains, influence lines, relationship score",
)
def get_decision_chain(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    return chain.decision_chain(chain.chain_opportunity(current_user(request), opportunity_id))


@router.get(
    "/opportunities/{int:opportunity_id}/power-map",
    response={200: PowerMapOut, **READ_ERRORS},
    summary="Power map: the chain's people by stance and influence",
)
def get_power_map(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    return chain.power_map(chain.chain_opportunity(current_user(request), opportunity_id))


@router.get(
    "/opportunities/{int:opportunity_id}/relationship-score",
    response={200: RelationshipScoreOut, **READ_ERRORS},
    summary="Relationship score with its named gaps and the look-ahead",
)
def get_relationship_score(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """`look_ahead` names what is coming: the next stage's requirements not met yet, a weak or
    opposing decision maker while the sign date is near, a chain covered on one side only."""
    opportunity = chain.chain_opportunity(current_user(request), opportunity_id)
    return chain.relationship_score_dict(opportunity)


def _set_role(
    request: HttpRequest, opportunity_id: int, contact_id: int, payload: ContactRoleIn
) -> dict[str, Any]:
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, opportunity_id)
    contact = get_visible_chain_contact(user, opportunity, contact_id)
    services.set_contact_role(
        opportunity, contact, by=user, decision_role=payload.decision_role, stance=payload.stance
    )
    return chain.decision_chain(opportunity)


@router.put(
    "/opportunities/{int:opportunity_id}/decision-chain/{int:contact_id}",
    response={200: DecisionChainOut, **WRITE_ERRORS},
    summary="Give a contact a decision role (with a stance) on the opportunity",
)
def put_chain_role(
    request: HttpRequest, opportunity_id: int, contact_id: int, payload: ContactRoleIn
) -> dict[str, Any]:
    """Adds the role, or changes its stance if the contact already holds it. Returns the new chain."""
    return _set_role(request, opportunity_id, contact_id, payload)


@router.post(
    "/opportunities/{int:opportunity_id}/decision-chain/{int:contact_id}",
    response={200: DecisionChainOut, **WRITE_ERRORS},
    summary="Same as PUT (for clients that only POST)",
)
def post_chain_role(
    request: HttpRequest, opportunity_id: int, contact_id: int, payload: ContactRoleIn
) -> dict[str, Any]:
    return _set_role(request, opportunity_id, contact_id, payload)


@router.delete(
    "/opportunities/{int:opportunity_id}/decision-chain/{int:contact_id}",
    response={200: DecisionChainOut, **WRITE_ERRORS},
    summary="Take a decision role away from a contact",
)
def delete_chain_role(
    request: HttpRequest, opportunity_id: int, contact_id: int, query: Query[RoleQuery]
) -> dict[str, Any]:
    """`?decision_role=…` names the role; a role the contact does not hold is a 404."""
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, opportunity_id)
    contact = get_visible_chain_contact(user, opportunity, contact_id)
    entry = get_object_or_404(
        OpportunityContact, opportunity=opportunity, contact=contact, decision_role=query.decision_role
    )
    services.remove_contact_role(entry, by=user)
    return chain.decision_chain(opportunity)
