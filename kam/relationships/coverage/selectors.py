"""Reads for the coverage net (渔网图) and the relationship history of one customer.

Every function here runs a fixed number of queries, whatever the number of contacts, people or
changes: levels come from one Relationship query, last-change dates from one aggregate, and the
replays over time (a contact's level, the team's coverage per month) walk one query's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.access.visibility import opportunities_for
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import User
from kam.relationships.models import (
    Contact,
    DecisionRole,
    Rank,
    Relationship,
    RelationshipChange,
    RelationshipPolicy,
    Stance,
)
from kam.relationships.scoring import ChainEntry, one_side

RANK_ORDER = {value: index for index, value in enumerate(Rank.values)}

# What makes a contact "key" for the coverage net: a senior rank, a strong influence, or a
# decision role in an open opportunity. The thresholds are data (RelationshipPolicy), so the page
# says them in words from there.
KEY_RANKS = (Rank.HIGH, Rank.MID_HIGH)
# Top-rank people known below the policy's level (CR3 by default: the first level at which a person
# tells us about the project) are a gap.
TOP_RANK = Rank.HIGH


def key_definition() -> str:
    return _(
        "Key contacts: rank high or mid-high, influence %(influence)s or more, or a decision role "
        "in an open opportunity."
    ) % {"influence": RelationshipPolicy.current().key_min_influence}


# --- key contacts -----------------------------------------------------------------------------------


def _open_roles(user: User, customer: Customer) -> QuerySet[OpportunityContact]:
    """Decision-chain entries of the customer's open opportunities that the user may see."""
    visible = opportunities_for(
        user, Opportunity.objects.filter(customer=customer, status=OpportunityStatus.OPEN)
    )
    return OpportunityContact.objects.filter(contact__customer=customer, opportunity__in=visible)


def _key_condition(roles: QuerySet[OpportunityContact]) -> Q:
    return (
        Q(rank__in=KEY_RANKS)
        | Q(influence__gte=RelationshipPolicy.current().key_min_influence)
        | Q(pk__in=roles.values("contact_id").order_by())
    )


def _roles_by_contact(roles: QuerySet[OpportunityContact]) -> dict[int, list[str]]:
    by_contact: dict[int, list[str]] = {}
    for contact_id, role in roles.values_list("contact_id", "decision_role").distinct().order_by():
        by_contact.setdefault(contact_id, []).append(role)
    order = {role: index for index, role in enumerate(DecisionRole.values)}
    for values in by_contact.values():
        values.sort(key=lambda role: order.get(role, len(order)))
    return by_contact


def key_reasons(contact: Contact, roles: list[str]) -> list[str]:
    """Why a contact counts as key, in words (empty: not key)."""
    reasons = []
    if contact.rank in KEY_RANKS:
        reasons.append(_("rank %(rank)s") % {"rank": contact.get_rank_display()})
    if contact.influence >= RelationshipPolicy.current().key_min_influence:
        reasons.append(_("influence %(influence)s") % {"influence": contact.influence})
    for role in roles:
        reasons.append(str(DecisionRole(role).label))
    return reasons


def _sort_contacts(contacts: list[Contact]) -> None:
    contacts.sort(key=lambda c: (RANK_ORDER.get(c.rank, len(RANK_ORDER)), -c.influence, c.name, c.pk))


def key_contact_ids(user: User, customer: Customer) -> set[int]:
    """The ids of the customer's key contacts (one query)."""
    roles = _open_roles(user, customer)
    return set(
        Contact.objects.filter(Q(customer=customer) & _key_condition(roles)).values_list("pk", flat=True)
    )


# --- the coverage net -------------------------------------------------------------------------------


@dataclass
class Cell:
    level: int | None = None
    changed_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return f"CR{self.level}" if self.level else ""


@dataclass
class Person:
    user: User
    is_owner: bool = False
    relationships: int = 0
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Column:
    contact: Contact
    roles: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    company_level: int | None = None
    covered_by: int = 0

    @property
    def key(self) -> bool:
        return bool(self.reasons)

    @property
    def role_labels(self) -> list[str]:
        return [str(DecisionRole(role).label) for role in self.roles]


@dataclass
class Highlight:
    """One finding of the coverage net, said in words, with the people it names."""

    kind: str  # single_threaded | no_relationships | uncovered | top_rank_below_target | one_side
    message: str
    users: list[User] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class CoverageNet:
    customer: Customer
    show_all: bool
    people: list[Person]
    columns: list[Column]
    total_contacts: int
    key_contacts: int
    single_threaded: User | None
    uncovered: list[Contact]
    top_rank_below_target: list[Column]
    highlights: list[Highlight]


def _names(items: Iterable[Any]) -> str:
    # Translators: the separator between names in a list ("Li Na, Chen Jie"); Chinese uses "、".
    return _(", ").join(str(item) for item in items)


def coverage_net(user: User, customer: Customer, *, show_all: bool = False) -> CoverageNet:
    """Our people × the customer's key contacts (every contact with show_all), levels and findings.

    Queries: contacts (1, the key filter in SQL; the open-role subquery inline), open roles (1),
    relationships with their users (1), last change per (person, contact) (1 aggregate) — plus the
    customer's owner, which the caller has loaded with select_related.
    """
    roles_qs = _open_roles(user, customer)
    key_q = _key_condition(roles_qs)
    contacts_qs = Contact.objects.filter(customer=customer)
    if not show_all:
        contacts_qs = contacts_qs.filter(key_q)
    contacts = list(contacts_qs.only("id", "name", "title", "department", "rank", "influence", "customer_id"))
    roles = _roles_by_contact(roles_qs)

    relationships = list(
        Relationship.objects.filter(contact__customer=customer)
        .select_related("user")
        .only("id", "level", "contact_id", "updated_at", "user__id", "user__name", "user__username")
    )
    last_changes = {
        (row["user_id"], row["contact_id"]): row["last"]
        for row in RelationshipChange.objects.filter(contact__customer=customer)
        .values("user_id", "contact_id")
        .annotate(last=Max("changed_at"))
        .order_by()
    }

    _sort_contacts(contacts)
    columns = [Column(contact=c, roles=roles.get(c.pk, [])) for c in contacts]
    for column in columns:
        column.reasons = key_reasons(column.contact, column.roles)

    # Whether a contact is key and covered must hold for every contact, not only those shown,
    # so the findings do not change with the toggle.
    by_contact: dict[int, list[Relationship]] = {}
    holders: dict[int, User] = {}
    held: dict[int, int] = {}
    for rel in relationships:
        by_contact.setdefault(rel.contact_id, []).append(rel)
        holders[rel.user_id] = rel.user
        held[rel.user_id] = held.get(rel.user_id, 0) + 1

    owner = customer.owner
    people = [
        Person(user=u, is_owner=u.pk == customer.owner_id, relationships=held.get(u.pk, 0))
        for u in holders.values()
    ]
    if owner is not None and customer.owner_id not in holders:
        people.append(Person(user=owner, is_owner=True, relationships=0))
    people.sort(key=lambda p: (not p.is_owner, -p.relationships, str(p.user), p.user.pk))

    levels = {(rel.user_id, rel.contact_id): rel for rel in relationships}
    for person in people:
        for column in columns:
            held_rel = levels.get((person.user.pk, column.contact.pk))
            if held_rel is None:
                person.cells.append(Cell())
            else:
                # Rows made before history was kept have no change: their own timestamp stands in.
                changed = last_changes.get((held_rel.user_id, held_rel.contact_id)) or held_rel.updated_at
                person.cells.append(Cell(level=held_rel.level, changed_at=changed))
    for column in columns:
        held_levels = [rel.level for rel in by_contact.get(column.contact.pk, [])]
        column.company_level = max(held_levels, default=None)
        column.covered_by = len(held_levels)

    key_columns = [c for c in columns if c.key]
    uncovered = [c.contact for c in key_columns if not c.covered_by]
    below = [
        c
        for c in columns
        if c.contact.rank == TOP_RANK
        and (c.company_level or 0) < RelationshipPolicy.current().top_rank_min_level
    ]
    single = next(iter(holders.values())) if len(holders) == 1 else None

    highlights: list[Highlight] = []
    if not relationships:
        highlights.append(
            Highlight(
                "no_relationships",
                _("No relationships recorded: none of our people is linked to this customer's contacts yet."),
            )
        )
    elif single is not None:
        highlights.append(
            Highlight(
                "single_threaded",
                ngettext(
                    "Single-threaded account: %(person)s holds the only relationship with this customer. "
                    "If %(person)s leaves or falls out of favour, we lose our only thread.",
                    "Single-threaded account: %(person)s holds all %(count)s relationships with this "
                    "customer. If %(person)s leaves or falls out of favour, we lose our only thread.",
                    len(relationships),
                )
                % {"person": single, "count": len(relationships)},
                users=[single],
            )
        )
    if uncovered:
        highlights.append(
            Highlight(
                "uncovered",
                ngettext(
                    "%(count)s key contact nobody on our side covers: %(names)s.",
                    "%(count)s key contacts nobody on our side covers: %(names)s.",
                    len(uncovered),
                )
                % {"count": len(uncovered), "names": _names(c.name for c in uncovered)},
                contacts=uncovered,
            )
        )
    if below:
        described = [
            _("%(name)s (CR%(level)s)") % {"name": c.contact.name, "level": c.company_level}
            if c.company_level
            else _("%(name)s (not covered)") % {"name": c.contact.name}
            for c in below
        ]
        highlights.append(
            Highlight(
                "top_rank_below_target",
                ngettext(
                    "%(count)s top-rank contact below CR%(level)s: %(names)s. Below CR%(level)s a person "
                    "does not yet tell us about the project.",
                    "%(count)s top-rank contacts below CR%(level)s: %(names)s. Below CR%(level)s a person "
                    "does not yet tell us about the project.",
                    len(below),
                )
                % {
                    "count": len(below),
                    "level": RelationshipPolicy.current().top_rank_min_level,
                    "names": _names(described),
                },
                contacts=[c.contact for c in below],
            )
        )

    side = one_side(
        (
            ChainEntry(c.contact.pk, c.contact.name, role, Stance.NEUTRAL, c.company_level)
            for c in columns
            for role in c.roles
        ),
        RelationshipPolicy.current().strong_level,
    )
    if side is not None:
        names = {e.contact_id for e in side.strong + side.others}
        highlights.append(
            Highlight("one_side", side.text, contacts=[c.contact for c in columns if c.contact.pk in names])
        )

    total, key_count = _contact_counts(customer, key_q, show_all, len(contacts), key_columns)
    return CoverageNet(
        customer=customer,
        show_all=show_all,
        people=people,
        columns=columns,
        total_contacts=total,
        key_contacts=key_count,
        single_threaded=single,
        uncovered=uncovered,
        top_rank_below_target=below,
        highlights=highlights,
    )


def _contact_counts(
    customer: Customer, key_q: Q, show_all: bool, shown: int, key_columns: list[Column]
) -> tuple[int, int]:
    """All contacts and key contacts: one of them is what we loaded, the other one COUNT query."""
    if show_all:
        return shown, len(key_columns)
    return Contact.objects.filter(customer=customer).count(), shown


def coverage_net_json(net: CoverageNet) -> dict[str, Any]:
    """The net as the API and the chart read it."""

    def user_ref(u: User) -> dict[str, Any]:
        return {"id": u.pk, "name": str(u)}

    people = [
        {**user_ref(p.user), "is_owner": p.is_owner, "relationships": p.relationships} for p in net.people
    ]
    contacts = [
        {
            "id": c.contact.pk,
            "name": c.contact.name,
            "title": c.contact.title,
            "department": c.contact.department,
            "rank": c.contact.rank,
            "rank_label": str(c.contact.get_rank_display()),
            "influence": c.contact.influence,
            "roles": c.roles,
            "key": c.key,
            "key_reasons": c.reasons,
            "company_level": c.company_level,
            "covered_by": c.covered_by,
        }
        for c in net.columns
    ]
    cells = [
        {
            "person": p.user.pk,
            "contact": column.contact.pk,
            "level": cell.level,
            "changed_at": cell.changed_at,
        }
        for p in net.people
        for column, cell in zip(net.columns, p.cells, strict=True)
        if cell.level
    ]
    return {
        "customer": {"id": net.customer.pk, "name": net.customer.name},
        "all": net.show_all,
        "key_definition": key_definition(),
        "total_contacts": net.total_contacts,
        "key_contacts": net.key_contacts,
        "people": people,
        "contacts": contacts,
        "cells": cells,
        "single_threaded": user_ref(net.single_threaded) if net.single_threaded else None,
        "uncovered": [{"id": c.pk, "name": c.name} for c in net.uncovered],
        "top_rank_below_target": [
            {"id": c.contact.pk, "name": c.contact.name, "company_level": c.company_level}
            for c in net.top_rank_below_target
        ],
        "target_level": RelationshipPolicy.current().top_rank_min_level,
        "highlights": [
            {
                "kind": h.kind,
                "message": h.message,
                "people": [user_ref(u) for u in h.users],
                "contacts": [{"id": c.pk, "name": c.name} for c in h.contacts],
            }
            for h in net.highlights
        ],
    }


# --- relationship history ---------------------------------------------------------------------------


def counted_contacts(user: User, customer: Customer, *, show_all: bool) -> set[int] | None:
    """Which contacts coverage over time counts (None: all), and in one query at most."""
    return None if show_all else key_contact_ids(user, customer)


def contact_count(customer: Customer) -> int:
    return Contact.objects.filter(customer=customer).count()
