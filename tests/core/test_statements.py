"""kam.core.statements.id_rows: a read by ids compiled once gives what the ORM gives, every time."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from kam.core import statements
from kam.core.statements import fixed_rows, id_rows, value_rows
from kam.opportunities.models import Opportunity
from kam.opportunities.selectors import company_level_subquery
from tests.factories import make_opportunity


def _deals(ids):
    # Decimal, date, JSON and a joined column: each comes back through its converter.
    return (
        Opportunity.objects.filter(pk__in=ids)
        .order_by("id")
        .values_list("id", "name", "amount", "sign_date", "deal_team", "customer__name", "stage__code")
    )


@pytest.fixture
def deals(world):
    Opportunity.objects.filter(pk=world.east_opp.pk).update(
        amount=Decimal("1500.25"), deal_team=[world.west_rep.pk]
    )
    return [world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk]


@pytest.fixture
def compiles(monkeypatch):
    """How many times a statement was compiled."""
    count = [0]
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        count[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return count


@pytest.mark.django_db
def test_the_rows_are_the_orms_rows_for_any_ids_and_the_statement_is_compiled_once_per_count(deals, compiles):
    key = ("test deals", object())
    first = id_rows(key, Opportunity, _deals, deals[:2])
    assert first == list(_deals(deals[:2]))
    assert first[0][2] == Decimal("1500.25") and isinstance(first[0][4], list)
    compiled = compiles[0]
    # Other ids, same count: the kept statement, not compiled again, one query.
    with CaptureQueriesContext(connection) as ran:
        second = id_rows(key, Opportunity, _deals, deals[1:])
    assert second == list(_deals(deals[1:]))
    assert len(ran.captured_queries) == 1
    compiled_after = compiles[0]
    assert compiled_after == compiled + 1  # only the ORM read of the assertion compiled
    # Another count compiles again; duplicates count once; no ids, no query.
    assert id_rows(key, Opportunity, _deals, [*deals, deals[0]]) == list(_deals(deals))
    with CaptureQueriesContext(connection) as none:
        assert id_rows(key, Opportunity, _deals, []) == []
    assert none.captured_queries == []


@pytest.mark.django_db
def test_a_subquery_and_rows_that_do_not_exist(world, deals):
    def chains(ids):
        from kam.opportunities.models import OpportunityContact

        return (
            OpportunityContact.objects.filter(opportunity_id__in=ids)
            .annotate(level=company_level_subquery())
            .order_by("id")
            .values_list("opportunity_id", "contact_id", "level")
        )

    key = ("test chains", object())
    assert id_rows(key, Opportunity, chains, [10**12, 10**12 + 1]) == []
    assert id_rows(key, Opportunity, chains, deals[:2]) == list(chains(deals[:2]))
    assert id_rows(("test missing", object()), Opportunity, _deals, [deals[0], 10**12]) == list(
        _deals([deals[0]])
    )


@pytest.mark.django_db
def test_a_statement_whose_ids_cannot_be_found_runs_through_the_orm_each_time(deals):
    # The ids only decide a LIMIT here (no parameter): nothing to substitute, so nothing is kept.
    def first_n(ids):
        return Opportunity.objects.order_by("id").values_list("id")[: len(ids)]

    key = ("test not kept", object())
    assert id_rows(key, Opportunity, first_n, [1, 2]) == list(first_n([1, 2]))
    assert statements._kept[(key, "default", connection.vendor, 2)] is None
    make_opportunity(owner=Opportunity.objects.get(pk=deals[0]).owner, name="Later")
    assert id_rows(key, Opportunity, first_n, [1, 2, 3, 4]) == list(first_n([1, 2, 3, 4]))


def test_only_values_list_querysets():
    with pytest.raises(ValueError, match="values_list"):
        id_rows(
            ("test models", object()), Opportunity, lambda ids: Opportunity.objects.filter(pk__in=ids), [1]
        )


@pytest.mark.django_db
def test_a_fixed_statement_is_compiled_once_and_reads_the_rows_as_they_are_now(world, compiles):
    key = ("test fixed", object())

    def build():
        return Opportunity.objects.filter(status="open").order_by("id").values_list("id", "name")

    assert fixed_rows(key, Opportunity, build) == list(build())
    Opportunity.objects.filter(pk=world.east_opp.pk).update(name="Renamed furnace")
    before = compiles[0]
    rows = fixed_rows(key, Opportunity, build)
    assert compiles[0] == before
    assert (world.east_opp.pk, "Renamed furnace") in rows and rows == list(build())


@pytest.mark.django_db
def test_past_the_bound_nothing_more_is_kept_and_the_rows_are_the_same(deals, monkeypatch):
    monkeypatch.setattr(statements, "MAX_KEPT", len(statements._kept))
    key = ("test bound", object())
    assert id_rows(key, Opportunity, _deals, deals) == list(_deals(deals))
    assert (key, "default", connection.vendor, len(deals)) not in statements._kept


@pytest.mark.django_db
def test_values_are_found_in_whatever_order_the_sql_puts_them(world, deals, compiles):
    def build(values):
        owner, stage, low, high = values
        # The ORM orders keyword filters by name: id, owner, stage, the reverse of `values` in part.
        return (
            Opportunity.objects.filter(stage_id=stage, owner_id=owner, id__gte=low, id__lte=high)
            .order_by("id")
            .values_list("id", "name")
        )

    key = ("test values", object())
    east = Opportunity.objects.get(pk=deals[0])
    values = [east.owner_id, east.stage_id, east.pk, east.pk]  # the same integer twice: two entries
    assert value_rows(key, Opportunity, build, values) == list(build(values)) == [(east.pk, east.name)]
    west = Opportunity.objects.get(pk=world.west_opp.pk)
    before = compiles[0]
    with CaptureQueriesContext(connection) as ran:
        rows = value_rows(key, Opportunity, build, [west.owner_id, west.stage_id, 0, 10**12])
    assert compiles[0] == before and len(ran.captured_queries) == 1
    assert rows == list(build([west.owner_id, west.stage_id, 0, 10**12])) and (west.pk, west.name) in rows
    # Another owner, nothing of theirs at that stage: no rows, not the last caller's.
    assert value_rows(key, Opportunity, build, [east.owner_id, west.stage_id, 0, 10**12]) == list(
        build([east.owner_id, west.stage_id, 0, 10**12])
    )


@pytest.mark.django_db
def test_a_value_used_in_two_places_is_not_kept(deals):
    def build(values):
        (pk,) = values
        return Opportunity.objects.filter(id__gte=pk, id__lte=pk).values_list("id")

    key = ("test twice", object())
    assert value_rows(key, Opportunity, build, [deals[0]]) == [(deals[0],)]
    assert statements._kept[(key, "default", connection.vendor, 1)] is None
    assert value_rows(key, Opportunity, build, [deals[1]]) == [(deals[1],)]


@pytest.mark.django_db
def test_a_union_of_parts_is_one_statement_where_the_database_allows_it(world, deals, compiles):
    make_opportunity(owner=world.east_rep, stage_code="P3", amount=Decimal("12.50"))
    stages = sorted({o.stage_id for o in Opportunity.objects.all()})

    def first_of(stage_id):
        return (
            Opportunity.objects.filter(stage_id=stage_id)
            .order_by("-amount", "id")
            .values_list("id", "stage_id", "amount", "deal_team")[:1]
        )

    expected = [row for stage in stages for row in first_of(stage)]
    before = compiles[0]
    with CaptureQueriesContext(connection) as ran:
        rows = statements.union_rows(Opportunity, first_of, stages)
    assert sorted(rows) == sorted(expected) and len(rows) == len(stages) > 1
    assert any(isinstance(row[2], Decimal) for row in rows)  # converted as the ORM converts
    if connection.features.supports_slicing_ordering_in_compound:
        # One part compiled, repeated for each stage: one statement.
        assert len(ran.captured_queries) == 1 and compiles[0] == before + 1
        assert ran.captured_queries[0]["sql"].count("UNION ALL") == len(stages) - 1
    else:
        assert len(ran.captured_queries) == len(stages)
    assert statements.union_rows(Opportunity, first_of, []) == []
