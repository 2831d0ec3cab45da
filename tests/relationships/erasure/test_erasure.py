"""Erasure on request: the person's data is gone from every table (and from a backup taken after),
their place in the org chart and the decision chain stays, and the audit trail says who erased whom."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from kam.core import audit
from kam.customers.analysis import services as analysis
from kam.customers.models import CustomerChange
from kam.opportunities import services as opportunities
from kam.opportunities.models import OpportunityContact
from kam.relationships import services
from kam.relationships.erasure import services as erasure
from kam.relationships.models import Contact, Influence, Relationship, RelationshipChange
from tests.factories import CompetitorFactory, ContactFactory, ensure_sales_processes

OLD_NAME = "Zhao Formerly"
NAME = "Zhao Erasable"
PERSONAL = ["13912345678", "zhao.erasable@example.com", "zhao_wx_777", "Keeps koi in the office"]
SECRETS = [OLD_NAME, NAME, *PERSONAL]


def _person(world):
    boss = ContactFactory(customer=world.east_customer, name="Boss Qian", title="CEO")
    contact = ContactFactory(
        customer=world.east_customer, name=OLD_NAME, title="CFO", department="Finance", reports_to=boss
    )
    with audit.acting_as(world.east_rep):  # auditlog keeps every value it sees, old names too
        services.update_contact(
            contact,
            by=world.east_rep,
            version=contact.version,
            name=NAME,
            mobile=PERSONAL[0],
            email=PERSONAL[1],
            wechat=PERSONAL[2],
            notes=PERSONAL[3],
        )
    services.set_relationship_level(contact, world.east_rep, 3, by=world.east_rep, note=f"Golf with {NAME}")
    services.add_influence(contact, boss, by=world.east_rep, note=f"{NAME} has the CEO's ear")
    opportunities.set_contact_role(world.east_opp, contact, by=world.east_rep, decision_role="decision_maker")
    opportunities.add_competitor(
        world.east_opp, CompetitorFactory(), by=world.east_rep, notes=f"Their man lunches with {NAME}"
    )
    analysis.save_analysis(
        world.east_customer, by=world.east_rep, base_revision=0, hidden_influencers=f"{NAME} ({PERSONAL[0]})"
    )
    return Contact.objects.get(pk=contact.pk)


def _text_hits(secrets: list[str]) -> list[str]:
    """Every text (and JSON) column of every model that still holds one of the values."""
    hits = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                column = field.name
                qs = model._default_manager.all()
            elif isinstance(field, models.JSONField):
                column = "as_text"
                qs = model._default_manager.annotate(as_text=Cast(field.name, TextField()))
            else:
                continue
            match = Q()
            for secret in secrets:
                match |= Q(**{f"{column}__contains": secret})
                match |= Q(**{f"{column}__contains": json.dumps(secret)[1:-1]})
            if qs.filter(match).exists():
                hits.append(f"{model._meta.label}.{field.name}")
    return hits


def _backup_bytes(tmp_path) -> tuple[bytes, str]:
    """A backup taken now: `kam backup` where the database is a file it can copy; else the same
    online copy of SQLite's pages it makes (the test database lives in memory), or the dumpdata."""
    target = tmp_path / "after-erasure.backup"
    try:
        call_command("backup", str(target), stdout=io.StringIO())
        return target.read_bytes(), "kam backup"
    except (CommandError, FileNotFoundError) as refusal:
        reason = str(refusal)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        connection.connection.backup(copy)
        copy.close()
        return target.read_bytes(), f"SQLite online backup ({reason})"
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue().encode(), f"dumpdata ({reason})"


@pytest.fixture
def committed_world(transactional_db, request):
    """The world, committed (a backup reads from another connection on PostgreSQL); the sales
    processes first, which an earlier transactional test may have flushed."""
    ensure_sales_processes()
    return request.getfixturevalue("world")


@pytest.mark.django_db(transaction=True)
def test_erasure_removes_the_person_everywhere_and_keeps_their_place(committed_world, tmp_path):
    world = committed_world
    contact = _person(world)
    assert set(_text_hits(SECRETS)) >= {"relationships.Contact.name", "auditlog.LogEntry.changes"}

    call_command("erase-contact".replace("-", "_"), contact.pk, "--by", "admin", stdout=io.StringIO())

    assert _text_hits(SECRETS) == []
    contact.refresh_from_db()
    marker = f"[erased #{contact.pk}]"
    assert contact.name == marker
    assert (contact.mobile, contact.phone, contact.email, contact.wechat, contact.notes) == ("",) * 5
    # Their place stays: position, manager, roles, levels, influence lines, history rows.
    assert (contact.title, contact.department, contact.reports_to.name) == ("CFO", "Finance", "Boss Qian")
    assert OpportunityContact.objects.filter(contact=contact, decision_role="decision_maker").exists()
    assert Relationship.objects.get(contact=contact).level == 3
    assert RelationshipChange.objects.get(contact=contact).note == f"Golf with {marker}"
    assert Influence.objects.get(source=contact).note == f"{marker} has the CEO's ear"
    # The audit trail: who erased whom, when; never the values.
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=contact.pk
    ).latest("timestamp")
    assert entry.additional_data["erasure"] is True and entry.actor == world.admin
    assert CustomerChange.objects.filter(customer=world.east_customer, summary_en__contains="erased").exists()
    # A backup taken afterwards holds none of it.
    content, how = _backup_bytes(tmp_path)
    print(f"backup checked: {how}")
    for secret in SECRETS:
        assert secret.encode() not in content, (secret, how)


def test_only_administrators_erase(world):
    contact = ContactFactory(customer=world.east_customer, name=NAME)
    with pytest.raises(Exception, match="administrator"):
        erasure.erase_contact(contact, by=world.director)
    assert Contact.objects.get(pk=contact.pk).name == NAME


def test_the_admin_action_erases(world, client):
    contact = ContactFactory(customer=world.east_customer, name=NAME, email=PERSONAL[1])
    client.force_login(world.admin)
    response = client.post(
        "/admin/relationships/contact/",
        {"action": "erase_personal_data", "_selected_action": [contact.pk]},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == f"[erased #{contact.pk}]" and contact.email == ""
    assert _text_hits([NAME, PERSONAL[1]]) == []


def test_the_kam_command_takes_the_hyphenated_name(world, monkeypatch):
    import django.core.management

    from kam.cli import main

    contact = ContactFactory(customer=world.east_customer, name=NAME)
    out = io.StringIO()
    # Django's own runner closes the connections when done: the test's transaction must stay open.
    monkeypatch.setattr(
        django.core.management, "execute_from_command_line", lambda argv: call_command(*argv[1:], stdout=out)
    )
    assert main(["kam", "erase-contact", str(contact.pk)]) == 0
    assert "erased" in out.getvalue()
    assert Contact.objects.get(pk=contact.pk).name == f"[erased #{contact.pk}]"
