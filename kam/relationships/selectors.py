"""Reads for the org chart and the contact page: a fixed number of queries, whatever the head count."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kam.customers.models import Customer
from kam.opportunities.models import DecisionRole, Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import User
from kam.org.visibility import contacts_for, opportunities_for

from .models import Contact, Influence, Rank, Relationship, RelationshipChange

RANK_ORDER = {value: index for index, value in enumerate(Rank.values)}

# The decision role a contact's node is coloured by when they hold several: the strongest first.
ROLE_PRIORITY = [
    DecisionRole.DECISION_MAKER,
    DecisionRole.TECHNICAL_APPROVER,
    DecisionRole.BUSINESS_APPROVER,
    DecisionRole.COACH,
    DecisionRole.INFLUENCER,
    DecisionRole.USER,
]
# The technical approval chain is drawn in blue and the business chain in red (see the domain guide).
ROLE_COLOURS: dict[str, str] = {
    DecisionRole.DECISION_MAKER: "#7c3aed",
    DecisionRole.TECHNICAL_APPROVER: "#2563eb",
    DecisionRole.BUSINESS_APPROVER: "#dc2626",
}
OTHER_COLOUR = "#9ca3af"


@dataclass
class ContactRow:
    contact: Contact
    level: int | None = None
    roles: list[str] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    manager: Contact | None = None

    @property
    def level_label(self) -> str:
        return f"CR{self.level}" if self.level else ""

    @property
    def main_role(self) -> str | None:
        for role in ROLE_PRIORITY:
            if role in self.roles:
                return role
        return None

    @property
    def main_role_label(self) -> str:
        role = self.main_role
        return str(DecisionRole(role).label) if role else ""

    @property
    def colour(self) -> str:
        role = self.main_role
        return ROLE_COLOURS.get(role, OTHER_COLOUR) if role else OTHER_COLOUR


@dataclass
class OrgChart:
    rows: list[ContactRow]
    tree: dict[str, Any] | None


def company_levels(customer: Customer) -> dict[int, int]:
    """Each contact's level for the company: the highest level any of our people holds (one query)."""
    rows = (
        Relationship.objects.filter(contact__customer=customer)
        .values("contact_id")
        .annotate(top=Max("level"))
        .order_by()
    )
    return {row["contact_id"]: row["top"] for row in rows}


def open_decision_roles(user: User, customer: Customer) -> dict[int, list[str]]:
    """Decision roles the customer's contacts hold in open opportunities the user may see (one query)."""
    visible = opportunities_for(
        user, Opportunity.objects.filter(customer=customer, status=OpportunityStatus.OPEN)
    )
    entries = (
        OpportunityContact.objects.filter(contact__customer=customer, opportunity__in=visible)
        .values_list("contact_id", "decision_role")
        .distinct()
        .order_by()
    )
    roles: dict[int, list[str]] = {}
    for contact_id, role in entries:
        roles.setdefault(contact_id, []).append(role)
    return roles


def _node(row: ContactRow) -> dict[str, Any]:
    contact = row.contact
    return {
        "name": contact.name,
        "id": contact.pk,
        "title": contact.title,
        "rank": str(contact.get_rank_display()),
        "level": row.level_label,
        "role": row.main_role_label,
        "itemStyle": {"color": row.colour, "borderColor": row.colour},
        "children": [],
    }


def build_tree(customer: Customer, rows: list[ContactRow]) -> dict[str, Any] | None:
    """The ECharts tree: contacts hang under their manager; people with no manager become roots.

    A manager outside this customer counts as none, and a reports_to cycle (which the service refuses,
    but older or imported data might hold) is broken at its lowest id, so every contact appears once.
    """
    if not rows:
        return None
    by_id = {row.contact.pk: row for row in rows}
    nodes = {pk: _node(row) for pk, row in by_id.items()}
    children: dict[int, list[int]] = {pk: [] for pk in by_id}
    roots: list[int] = []
    for pk, row in by_id.items():
        manager_id = row.contact.reports_to_id
        if manager_id in by_id and manager_id != pk:
            children[manager_id].append(pk)  # type: ignore[index]
        else:
            roots.append(pk)

    placed: set[int] = set()

    def attach(root: int) -> None:
        stack = [root]
        placed.add(root)
        while stack:
            current = stack.pop()
            for child in children[current]:
                if child not in placed:
                    placed.add(child)
                    nodes[current]["children"].append(nodes[child])
                    stack.append(child)

    for root in roots:
        attach(root)
    for pk in sorted(by_id):
        if pk not in placed:
            roots.append(pk)
            attach(pk)

    # Rows come sorted by rank then name, so children lists follow the same order.
    order = {row.contact.pk: index for index, row in enumerate(rows)}
    for node in nodes.values():
        node["children"].sort(key=lambda child: order[child["id"]])
    roots.sort(key=lambda pk: order[pk])
    if len(roots) == 1:
        return nodes[roots[0]]
    return {
        "name": str(customer),
        "virtual": True,
        "itemStyle": {"color": "#111827", "borderColor": "#111827"},
        "children": [nodes[pk] for pk in roots],
    }


def org_chart(user: User, customer: Customer) -> OrgChart:
    """Contacts with their company level, open decision roles and our people's relationships.

    Four queries: contacts, levels (one aggregate), roles, relationships — constant in the head count.
    """
    contacts = list(Contact.objects.filter(customer=customer))
    contacts.sort(key=lambda c: (RANK_ORDER.get(c.rank, len(RANK_ORDER)), c.name, c.pk))
    levels = company_levels(customer)
    roles = open_decision_roles(user, customer)
    by_contact: dict[int, list[Relationship]] = {}
    for relationship in (
        Relationship.objects.filter(contact__customer=customer)
        .select_related("user")
        .order_by("-level", "user__username")
    ):
        by_contact.setdefault(relationship.contact_id, []).append(relationship)
    by_id = {c.pk: c for c in contacts}
    rows = [
        ContactRow(
            contact=c,
            level=levels.get(c.pk),
            roles=roles.get(c.pk, []),
            relationships=by_contact.get(c.pk, []),
            manager=by_id.get(c.reports_to_id) if c.reports_to_id else None,
        )
        for c in contacts
    ]
    return OrgChart(rows=rows, tree=build_tree(customer, rows))


def legend() -> list[dict[str, str]]:
    return [
        {"label": str(DecisionRole(role).label), "colour": colour} for role, colour in ROLE_COLOURS.items()
    ] + [{"label": _("Other role or none"), "colour": OTHER_COLOUR}]


def contact_detail(user: User, pk: int) -> Contact:
    """One contact whose customer the user may see; 404 otherwise."""
    qs = contacts_for(user, Contact.objects.all()).select_related("customer", "reports_to")
    return get_object_or_404(qs, pk=pk)


def contact_relationships(contact: Contact) -> QuerySet[Relationship]:
    return contact.relationships.select_related("user").order_by("-level", "user__username")


def relationship_history(contact: Contact, limit: int = 100) -> list[RelationshipChange]:
    return list(
        RelationshipChange.objects.filter(contact=contact).select_related("user", "changed_by")[:limit]
    )


def influences_out(contact: Contact) -> QuerySet[Influence]:
    return Influence.objects.filter(source=contact).select_related("target").order_by("target__name")


def influences_in(contact: Contact) -> QuerySet[Influence]:
    return Influence.objects.filter(target=contact).select_related("source").order_by("source__name")


def direct_reports(contact: Contact) -> QuerySet[Contact]:
    return Contact.objects.filter(reports_to=contact, customer_id=contact.customer_id).order_by("name")
