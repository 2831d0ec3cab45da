"""Shared by the coverage tests: relationships set at a given moment, decision roles, a whole
organisation built at once, and East Steel with three key contacts and one ordinary one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.opportunities import services as opportunity_services
from kam.relationships import services
from kam.relationships.models import RelationshipChange
from tests.factories import ContactFactory


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An instant in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def set_level(contact, user, level, *, when=None, by=None, note="met at the plant"):
    """Change a level through the service, then move its history row to `when` (changed_at is automatic)."""
    services.set_relationship_level(contact, user, level, by=by or user, note=note)
    change = RelationshipChange.objects.filter(contact=contact, user=user).order_by("-id").first()
    if when is not None:
        RelationshipChange.objects.filter(pk=change.pk).update(changed_at=when)
        change.refresh_from_db()
    return change


def give_role(opportunity, contact, role="decision_maker"):
    return opportunity_services.set_contact_role(
        opportunity, contact, by=opportunity.owner, decision_role=role
    )


def build_organisation(customer, owner, size: int, colleague) -> list:
    """`size` contacts, every one key, each known by two of our people with two changes each."""
    contacts = [
        ContactFactory(customer=customer, name=f"Person {i:03d}", rank="high" if i % 3 == 0 else "mid_high")
        for i in range(size)
    ]
    for i, contact in enumerate(contacts):
        set_level(contact, owner, 2)
        set_level(contact, owner, 3 + i % 3)
        set_level(contact, colleague, 1 + i % 5)
    return contacts


@pytest.fixture
def east(world):
    """East Steel with three key contacts and one ordinary one."""
    w = world
    w.gm = ContactFactory(customer=w.east_customer, name="Zhang Wei", rank="high", influence=5)
    w.cto = ContactFactory(customer=w.east_customer, name="Li Na", rank="mid_high", influence=4)
    w.buyer = ContactFactory(customer=w.east_customer, name="Chen Jie", rank="mid", influence=4)
    w.clerk = ContactFactory(customer=w.east_customer, name="Zhou Min", rank="low", influence=2)
    return w
