"""Reads for the org chart and the contact page: a fixed number of queries, whatever the head count."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import User
from kam.relationships.models import Contact, DecisionRole, Influence, Rank, Relationship, RelationshipChange

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


def legend() -> list[dict[str, str]]:
    return [
        {"label": str(DecisionRole(role).label), "colour": colour} for role, colour in ROLE_COLOURS.items()
    ] + [{"label": _("Other role or none"), "colour": OTHER_COLOUR}]


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
