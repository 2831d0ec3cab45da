"""The org chart over JSON: the tree for charts and integrations, and the editor's writes (move,
delete, influence lines), each through kam.relationships.services and scoped by visibility."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import (
    contacts_for,
    get_visible_contact,
    get_visible_customer,
    get_visible_influence,
)
from kam.core.api.helpers import READ_ERRORS, VERSIONED_WRITE_ERRORS, WRITE_ERRORS, expected_version, set_etag
from kam.core.web import current_user
from kam.org.models import User
from kam.relationships import services
from kam.relationships.models import Contact
from kam.relationships.orgchart import selectors as orgchart
from kam.relationships.orgchart.schemas import (
    ContactMoveIn,
    DeleteImpactOut,
    InfluenceIn,
    InfluenceOut,
    OrgChartFilters,
    OrgChartOut,
)
from kam.relationships.schemas import ContactOut

router = Router(tags=["org chart"])


def _contact(user: User, pk: int) -> Contact:
    return get_visible_contact(user, pk)


@router.get(
    "/customers/{int:customer_id}/org-chart",
    response={200: OrgChartOut, **READ_ERRORS},
    summary="A customer's org chart as a tree",
)
def customer_org_chart(
    request: HttpRequest, customer_id: int, filters: Query[OrgChartFilters]
) -> dict[str, Any]:
    """Contacts hung under their managers (`reports_to`), with rank, influence, company-level CR and
    decision roles in open opportunities. A constant number of queries whatever the head count."""
    user = current_user(request)
    customer = get_visible_customer(user, customer_id)
    return orgchart.tree_json(orgchart.org_tree(user, customer, department=filters.department))


@router.post(
    "/contacts/{int:contact_id}/move",
    response={200: ContactOut, **VERSIONED_WRITE_ERRORS},
    summary="Put a contact under another manager",
)
def move_contact(
    request: HttpRequest, response: HttpResponse, contact_id: int, payload: ContactMoveIn
) -> dict[str, Any]:
    """A reports_to cycle is refused (422 on `reports_to`); a stale `version` is a 412."""
    user = current_user(request)
    contact = _contact(user, contact_id)
    version = expected_version(request, contact.version, payload.version)
    manager = None
    if payload.manager is not None:
        manager = contacts_for(user, Contact.objects.all()).filter(pk=payload.manager).first()
        if manager is None:
            raise ValidationError({"reports_to": [_("Unknown contact.")]})
    services.move_contact(contact, manager, by=user, version=version)
    moved = get_visible_contact(user, contact.pk)
    set_etag(response, moved.version)
    return ContactOut.from_contact(moved)


def _impact(contact: Contact, user: User) -> dict[str, Any]:
    impact = services.contact_delete_impact(contact, user)
    moves_to = None
    if impact.reports and contact.reports_to_id:
        moves_to = {"id": contact.reports_to_id, "name": orgchart.new_manager_name(contact)}
    return {
        "contact": {"id": contact.pk, "name": contact.name},
        "blocked": impact.blocked,
        "open_opportunities": impact.open_opportunities,
        "closed_roles": impact.closed_roles,
        "relationships": impact.relationships,
        "influence_lines": impact.influence_lines,
        "reports": impact.reports,
        "reports_move_to": moves_to,
        "message": orgchart.delete_impact_message(contact, impact),
    }


@router.get(
    "/contacts/{int:contact_id}/delete-impact",
    response={200: DeleteImpactOut, **READ_ERRORS},
    summary="What deleting a contact would take with it",
)
def contact_delete_impact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    user = current_user(request)
    return _impact(_contact(user, contact_id), user)


@router.post(
    "/contacts/{int:contact_id}/influences",
    response={201: InfluenceOut, **WRITE_ERRORS},
    summary="Add an influence line from this contact to another",
)
def add_influence(request: HttpRequest, contact_id: int, payload: InfluenceIn) -> Status:
    """A line to the same person or to another customer's contact is refused (422 on `target`)."""
    user = current_user(request)
    source = _contact(user, contact_id)
    target = contacts_for(user, Contact.objects.all()).filter(pk=payload.target).first()
    if target is None:
        raise ValidationError({"target": [_("Unknown contact.")]})
    influence = services.add_influence(source, target, by=user, note=payload.note)
    return Status(
        201,
        {
            "id": influence.pk,
            "source": {"id": source.pk, "name": source.name},
            "target": {"id": target.pk, "name": target.name},
            "note": influence.note,
        },
    )


@router.delete(
    "/influences/{int:influence_id}",
    response={204: None, **READ_ERRORS},
    summary="Remove an influence line",
)
def remove_influence(request: HttpRequest, influence_id: int) -> Status:
    user = current_user(request)
    influence = get_visible_influence(user, influence_id)
    services.remove_influence(influence, by=user)
    return Status(204, None)
