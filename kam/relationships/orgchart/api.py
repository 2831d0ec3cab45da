"""The org chart over JSON: the tree for charts and integrations, and the editor's writes (move,
delete, influence lines), each through kam.relationships.services and scoped by visibility."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kam.access.visibility import (
    contacts_for,
    get_visible_contact,
    get_visible_customer,
    get_visible_influence,
)
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    Id,
    InputSchema,
    Ref,
    TextSafeSchema,
    expected_version,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.relationships import services
from kam.relationships.models import Contact
from kam.relationships.orgchart import selectors as orgchart
from kam.relationships.schemas import ContactOut, RankChoice

router = Router(tags=["org chart"])


class RoleOut(Schema):
    code: str = Field(..., description="Decision role code, e.g. `technical_approver`.")
    label: str = Field(..., description="The role's name in the active language.")


class LegendOut(RoleOut):
    colour: str = Field(..., description="Node colour for a contact whose strongest role this is.")


class OrgChartNode(Schema):
    id: int
    name: str
    title: str
    department: str
    rank: RankChoice = Field(..., description="high, mid_high, mid or low.")
    rank_label: str = Field(..., description="The rank in the active language.")
    influence: int = Field(..., description="1 (little) to 5 (decisive).")
    level: int | None = Field(
        ...,
        description="Company-level relationship (CR1–CR5 as 1–5): the highest level any of our people "
        "holds with the contact; null if nobody has one.",
    )
    roles: list[RoleOut] = Field(
        ...,
        description="Decision roles the contact holds in this customer's open opportunities that you "
        "can see, strongest first.",
    )
    colour: str = Field(..., description="Node colour: the strongest role's colour (see `legend`).")
    reports_to: int | None = Field(
        ..., description="Manager's contact id (may differ from the parent where a stale cycle was cut)."
    )
    version: int = Field(..., description="The contact's version, for a move or an edit.")
    context: bool = Field(
        ...,
        description="True when the contact is shown only as a manager above the focused department's people.",
    )
    children: list[OrgChartNode] = Field(..., description="Direct reports, highest rank first.")


OrgChartNode.model_rebuild()


class OrgChartOut(Schema):
    customer: Ref
    roots: list[OrgChartNode] = Field(
        ..., description="People with no manager (several when the organisation has several heads)."
    )
    count: int = Field(..., description="Number of contacts in the tree.")
    departments: list[str] = Field(
        ..., description="The customer's distinct departments, for the focus filter."
    )
    department: str | None = Field(None, description="The department the tree is focused on, if any.")
    legend: list[LegendOut] = Field(..., description="Decision roles and their node colours.")


class OrgChartFilters(TextSafeSchema):
    department: str | None = Field(
        None,
        max_length=100,
        description="Focus on one department: its people and the managers above them (as context).",
    )


class MoveIn(InputSchema):
    manager: Id | None = Field(
        ..., description="Contact id of the new manager (same customer); null moves the contact to the top."
    )
    version: int = Field(..., description="The contact's version you read (stale: 412).")


class DeleteImpactOut(Schema):
    contact: Ref
    blocked: bool = Field(
        ..., description="True while the contact is in an open opportunity's decision chain."
    )
    open_opportunities: list[str] = Field(
        ..., description="Project numbers of the open opportunities that block the delete."
    )
    closed_roles: int = Field(
        ..., description="Decision-chain roles on closed opportunities that go with the contact."
    )
    relationships: int = Field(
        ..., description="Relationship-level rows (our people × this contact) that go."
    )
    influence_lines: int = Field(..., description="Influence lines from or to the contact that go.")
    reports: int = Field(..., description="Direct reports, who move up to the contact's own manager.")
    reports_move_to: Ref | None = Field(None, description="Where the direct reports move (null: to the top).")
    message: str = Field(..., description="The same, as one sentence for a confirmation dialog.")


class InfluenceIn(InputSchema):
    target: Id = Field(..., description="Contact id of the person swayed (same customer, not the source).")
    note: str = Field("", max_length=200)


class InfluenceOut(Schema):
    id: int
    source: Ref = Field(..., description="The person who sways.")
    target: Ref = Field(..., description="The person swayed.")
    note: str


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
    request: HttpRequest, response: HttpResponse, contact_id: int, payload: MoveIn
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
