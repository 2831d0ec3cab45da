"""The bulk path writes what the one-row service writes: the same opportunity, history, deal team,
rollup cells, audit entries and score, and the next numbers of the same sequence."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from kam.core.audit import acting_as
from kam.customers.scoring.tasks import rescores_deferred
from kam.imports import bulk
from kam.opportunities import rollups
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityMember, StageChange
from tests.factories import ContactFactory, CustomerFactory, stage

pytestmark = pytest.mark.django_db

SKIP = {"id", "project_number", "created_at", "updated_at", "stage_entered_at"}


def _row(obj, skip=SKIP):
    return {k: v for k, v in model_to_dict(obj).items() if k not in skip}


def test_bulk_create_equals_the_one_row_service(world):
    by = world.east_mgr
    args = {
        "name": "Converter line",
        "owner": world.east_rep,
        "stage": stage("P4"),
        "amount": Decimal("2500000.00"),
        "sign_date": dt.date(2027, 5, 10),
        "sign_date_precision": "day",
        "product_line": "Drives",
        "gross_margin": Decimal("0.30"),
    }
    one_customer = CustomerFactory(owner=world.east_rep)
    many_customer = CustomerFactory(owner=world.east_rep)
    with acting_as(by):
        one = opportunity_services.create_opportunity(by=by, customer=one_customer, **args)
        with rescores_deferred():
            (many,) = bulk.create_opportunities([bulk.NewOpportunity(customer=many_customer, **args)], by=by)
    one.refresh_from_db()
    many.refresh_from_db()
    assert _row(many, SKIP | {"customer", "customer_name"}) == _row(one, SKIP | {"customer", "customer_name"})
    prefix, year, seq = one.project_number.rsplit("-", 2)
    assert many.project_number == f"{prefix}-{year}-{int(seq) + 1:04d}"
    for model, skip in (
        (StageChange, {"id", "opportunity", "changed_at"}),
        (OpportunityMember, {"id", "opportunity"}),
    ):
        assert [_row(r, skip) for r in model.objects.filter(opportunity=many)] == [
            _row(r, skip) for r in model.objects.filter(opportunity=one)
        ]
    logged = {}
    for opportunity in (one, many):
        entries = LogEntry.objects.filter(object_id=opportunity.pk, content_type__model="opportunity")
        logged[opportunity.pk] = [
            (
                e.action,
                e.actor_id,
                {k: v for k, v in e.changes_dict.items() if k not in SKIP | {"customer", "customer_name"}},
            )
            for e in entries
        ]
    # The deal's entry is the one-row service's, with the deal-team leader in it instead of an
    # entry of its own, and without auditlog's text of the other (empty) reverse relations.
    (leader_entry,) = LogEntry.objects.filter(content_type__model="opportunitymember", actor=by)
    assert leader_entry.changes_dict["user"] == ["None", str(world.east_rep.pk)]
    assert logged[many.pk][0][2].pop("members") == ["None", f"{world.east_rep.pk} (leader)"]
    relations = {f.name for f in Opportunity._meta.get_fields() if f.auto_created and not f.concrete}
    empty = {k for k, (_before, after) in logged[one.pk][0][2].items() if k in relations}
    assert empty and all(logged[one.pk][0][2][k][1].endswith(".None") for k in empty)
    for key in empty:
        logged[one.pk][0][2].pop(key)
    assert logged[one.pk] == logged[many.pk] and logged[one.pk]
    one_customer.refresh_from_db()
    many_customer.refresh_from_db()
    assert many_customer.score == one_customer.score and many_customer.tier == one_customer.tier
    assert rollups.verify() == []


def test_one_audit_entry_per_deal_holds_its_leader_and_key_contacts(world):
    by = world.east_mgr
    lead, buyer = ContactFactory(customer=world.east_customer), ContactFactory(customer=world.east_customer)
    spec = bulk.NewOpportunity(
        customer=world.east_customer,
        name="Boiler retrofit",
        owner=world.east_rep,
        stage=stage("P1"),
        customer_lead=lead,
        key_contacts=[(lead, "decision_maker", "A"), (buyer, "influencer", "C")],
    )
    last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with rescores_deferred():
        (created,) = bulk.create_opportunities([spec], by=by)
    (entry,) = LogEntry.objects.filter(pk__gt=last)  # no entries of the leader or key contacts
    assert (entry.object_id, entry.action, entry.actor_id) == (created.pk, LogEntry.Action.CREATE, by.pk)
    changes = entry.changes_dict
    assert changes["customer_lead"] == ["None", str(lead.pk)]
    assert changes["members"] == ["None", f"{world.east_rep.pk} (leader)"]
    assert changes["contact_roles"] == ["None", f"{lead.pk} (decision_maker, A); {buyer.pk} (influencer, C)"]
    assert not [k for k, (_before, after) in changes.items() if after.endswith(".None")]
    assert created.members.get().role == "leader"
    assert sorted(created.contact_roles.values_list("contact_id", "decision_role", "stance")) == sorted(
        [(lead.pk, "decision_maker", "A"), (buyer.pk, "influencer", "C")]
    )


def test_created_deals_carry_the_time_of_the_import(world):
    specs = [
        bulk.NewOpportunity(
            customer=world.east_customer, name=f"Deal {n}", owner=world.east_rep, stage=stage("P0")
        )
        for n in range(3)
    ]
    before = timezone.now()
    with rescores_deferred():
        created = bulk.create_opportunities(specs, by=world.east_mgr)
    stored = Opportunity.objects.filter(pk__in=[o.pk for o in created])
    times = {(o.created_at, o.updated_at, o.stage_entered_at) for o in stored}
    ((created_at, updated_at, entered),) = times  # one time for all, as one transaction writes them
    assert before <= created_at == updated_at == entered <= timezone.now()
    # The customer's name, kept with each deal for the pipeline's customer sort.
    assert set(stored.values_list("customer_name", flat=True)) == {world.east_customer.name}


def test_audit_changes_equal_auditlogs_own(world):
    from auditlog.diff import model_instance_diff

    for instance in (world.east_opp, world.west_opp, world.east_customer, world.east_mgr):
        fields = bulk._diff_fields(instance)
        diff = bulk._created_diff(instance, fields, False)
        assert diff == model_instance_diff(None, instance)
        assert bulk._pairs_json(diff) == json.dumps(diff)


def test_pairs_json_is_json_dumps_of_any_text():
    diff = {"name": ("None", 'Li "Ming"\t\n 李明 \u2028 \x00'), "": ("", "")}
    assert bulk._pairs_json(diff) == json.dumps(diff)
    assert json.loads(bulk._pairs_json(diff)) == {k: list(v) for k, v in diff.items()}


def test_reserved_numbers_follow_the_sequence(world):
    first = opportunity_services.next_project_number(dt.date(2031, 1, 1))
    numbers = bulk.reserve_project_numbers(3, dt.date(2031, 1, 1))
    after = opportunity_services.next_project_number(dt.date(2031, 1, 1))
    seq = [int(n.rsplit("-", 1)[1]) for n in (first, *numbers, after)]
    assert seq == list(range(seq[0], seq[0] + 5))
    assert Opportunity.objects.count() >= 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_query_during_a_copy_fails_instead_of_waiting_forever(world):
    """While a COPY runs the connection serves nothing else: a query made then (e.g. by a value
    read lazily while the rows are written) would block on the connection's lock for good."""

    def rows():
        yield (world.east_opp.pk, world.east_opp.stage_id)
        Opportunity.objects.count()  # a query in the middle of the COPY
        yield (world.east_opp.pk, world.east_opp.stage_id)

    fields = [StageChange._meta.get_field(name) for name in ("opportunity", "to_stage")]
    with pytest.raises(RuntimeError, match="COPY"), connection.cursor() as cursor:
        bulk._copy(cursor, StageChange._meta.db_table, fields, rows())
