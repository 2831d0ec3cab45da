"""The indexes a deal's rows carry: each one written on every deal created, so none that another
index already serves (migration opportunities.0034)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from kam.opportunities import services
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityMember, StageChange

pytestmark = pytest.mark.django_db

COVERED = [
    (OpportunityContact, "opportunity_id"),
    (OpportunityMember, "opportunity_id"),
    (OpportunityMember, "user_id"),
    (StageChange, "opportunity_id"),
]


def _indexes(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return {
            name: info
            for name, info in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
            if info["index"] or info["unique"]
        }


@pytest.mark.parametrize(("model", "column"), COVERED, ids=lambda v: getattr(v, "__name__", v))
def test_a_foreign_key_led_index_serves_each_key_that_has_no_index_of_its_own(model, column):
    indexes = _indexes(model)
    assert not [name for name, info in indexes.items() if info["columns"] == [column]]
    leading = [name for name, info in indexes.items() if info["columns"][0] == column]
    assert len(leading) >= 1


def test_the_search_key_has_the_trigram_index_alone_on_postgresql():
    search_key = [info for info in _indexes(Opportunity).values() if info["columns"] == ["search_key"]]
    if connection.vendor == "postgresql":
        # The trigram index (GIN) is all the search reads; a b-tree and its LIKE twin served nothing.
        assert [info["type"] for info in search_key] == ["gin"]
    else:
        assert len(search_key) == 1


def test_a_new_deals_audit_entry_leaves_out_the_copies_kept_elsewhere(world):
    deal = services.create_opportunity(
        by=world.east_rep,
        customer=world.east_customer,
        name="Audit copies",
        amount=Decimal("1200"),
        sign_date=dt.date(2027, 3, 31),
    )
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Opportunity),
        object_id=deal.pk,
        action=LogEntry.Action.CREATE,
    )
    assert {"name", "amount", "customer", "stage", "owner"} <= set(entry.changes_dict)
    assert not {"customer_name", "sort_amount", "health_rank", "furthest_stage_order"} & set(
        entry.changes_dict
    )


OPTIONAL_KEYS = [
    ("customer_lead_id", "opportunity_customer_lead_idx"),
    ("lost_to_id", "opportunity_lost_to_idx"),
    ("close_reason_choice_id", "opportunity_close_reason_idx"),
]


@pytest.mark.parametrize(("column", "index"), OPTIONAL_KEYS)
def test_an_optional_key_is_indexed_where_set_and_a_parents_deletion_reads_that_index(column, index):
    indexes = _indexes(Opportunity)
    assert indexes[index]["columns"] == [column]
    assert not [name for name, info in indexes.items() if info["columns"] == [column] and name != index]
    # What deleting a competitor, a contact or a close reason asks: the deals pointing at them.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Opportunity.objects.filter(**{f"{column}__in": [1, 2]}).order_by().only("id").explain()
    assert index in plan


def test_the_project_number_has_its_unique_index_alone_on_postgresql():
    number = [name for name, info in _indexes(Opportunity).items() if info["columns"] == ["project_number"]]
    if connection.vendor == "postgresql":
        # Numbers are looked up whole; the search's icontains cannot use a LIKE twin either.
        assert not [name for name in number if name.endswith("_like")]
    assert [
        name
        for name, info in _indexes(Opportunity).items()
        if info["columns"] == ["project_number"] and info["unique"]
    ]
