"""The pipeline and funnel rollups stay equal to the live opportunities through every write the
services make, and the totals, board headers, forecast and funnel read from them give the same
figures as the live SQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.core.errors import ConflictError, RuleViolation
from kam.insights.forecast.funnel import funnel
from kam.insights.forecast.selectors import forecast
from kam.opportunities import rollups, services
from kam.opportunities.models import (
    NO_SIGN_MONTH,
    ForecastRollup,
    FunnelRollup,
    Opportunity,
    OpportunityMember,
    OpportunityStatus,
    PipelineRollup,
    Stage,
    StageRollup,
    TeamRollup,
)
from kam.opportunities.selectors import PipelineFilters, board_columns, pipeline_totals, rollup_cells
from kam.org.models import Role
from tests.factories import (
    CustomerFactory,
    TeamFactory,
    UserFactory,
    approve_initiation,
    default_process,
    ensure_sales_processes,
    make_opportunity,
)

# Whole amounts (SQLite keeps them as integers), cents and halves.
CENTS = st.tuples(st.integers(0, 5_000_000), st.sampled_from(["0", "0.37", "0.5"])).map(
    lambda p: Decimal(p[0]) + Decimal(p[1])
)
AMOUNTS = st.one_of(
    st.just((None, None, None)),
    CENTS.map(lambda a: (a, None, None)),
    st.tuples(CENTS, CENTS.map(lambda a: a + Decimal("0.26"))).map(lambda p: (None, min(p), max(p))),
)
DATES = st.one_of(st.none(), st.dates(dt.date(2026, 10, 1), dt.date(2027, 12, 31)))
CATEGORIES = st.sampled_from(["", "commit", "best_case", "pipeline", "omitted"])
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 3), st.integers(0, 7), AMOUNTS, DATES, CATEGORIES),
        st.tuples(st.just("edit"), st.integers(0, 50), AMOUNTS, DATES, CATEGORIES),
        st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 7)),
        st.tuples(st.just("close"), st.integers(0, 50), st.sampled_from(["won", "lost", "dropped"])),
        st.tuples(st.just("reassign"), st.integers(0, 50), st.integers(0, 3)),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        # A deal team membership across teams: the readers add those deals from the team rollup.
        st.tuples(st.just("join"), st.integers(0, 50), st.integers(0, 3)),
        st.tuples(st.just("leave"), st.integers(0, 50), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=12,
)
REFUSED = (RuleViolation, ValidationError, ConflictError)


@pytest.fixture
def people(world):
    world.people = [world.east_rep, world.east_rep2, world.west_rep, world.east_mgr]
    world.stages = list(Stage.objects.filter(process=default_process()).order_by("order"))
    return world


def delete_opportunity(opportunity: Opportunity) -> None:
    """A delete the way the demo reset deletes: the cells are read before and taken out after."""
    with transaction.atomic():
        removed = rollups.snapshot([opportunity.pk])
        Opportunity.objects.filter(pk=opportunity.pk).delete()
        rollups.remove(removed)


def run(operation: tuple, world) -> None:
    kind = operation[0]
    if kind == "create":
        _kind, who, stage, (amount, low, high), sign_date, category = operation
        owner = world.people[who]
        services.create_opportunity(
            by=owner,
            customer=CustomerFactory(owner=owner),
            name="Deal",
            owner=owner,
            stage=world.stages[stage],
            amount=amount,
            amount_low=low,
            amount_high=high,
            sign_date=sign_date,
            forecast_category=category,
        )
        return
    rows = list(Opportunity.objects.order_by("id"))
    if not rows:
        return
    opportunity = rows[operation[1] % len(rows)]
    by = opportunity.owner
    if kind == "edit":
        _kind, _i, (amount, low, high), sign_date, category = operation
        services.update_opportunity(
            opportunity,
            by=by,
            version=None,
            amount=amount,
            amount_low=low,
            amount_high=high,
            sign_date=sign_date,
            forecast_category=category,
        )
    elif kind == "move":
        target = world.stages[operation[2]]
        services.move_stage(opportunity, target, by=by, note="Back a step", key_node_confirmed=True)
    elif kind == "close":
        services.close_opportunity(opportunity, by=by, status=operation[2], reason="Decided")
    elif kind == "reassign":
        services.update_opportunity(opportunity, by=by, version=None, owner=world.people[operation[2]])
    elif kind == "delete":
        delete_opportunity(opportunity)
    elif kind == "join":
        member = world.people[operation[2]]
        if member.pk != opportunity.owner_id:
            services.set_member(opportunity, member, by=by, role="member")
    elif kind == "leave":
        services.remove_member(opportunity, world.people[operation[2]], by=by)


def assert_readers_agree(user, filters: PipelineFilters) -> None:
    assert pipeline_totals(user, filters) == pipeline_totals(user, filters, use_rollup=False)
    process = default_process().pk

    def headers(**kwargs):
        return [
            (c["stage"].pk, c["count"], c["amount"]) for c in board_columns(user, filters, process, **kwargs)
        ]

    assert headers() == headers(use_rollup=False)


def assert_insights_agree(user) -> None:
    def funnel_figures(**kwargs):
        return [
            (s.stage.pk, s.open_count, s.open_amount, s.reached, s.conversion) for s in funnel(user, **kwargs)
        ]

    def forecast_figures(**kwargs):
        result = forecast(user, "rep", "month", **kwargs)
        return [(g.key, g.figures.as_dict()) for g in result.groups], result.totals.as_dict()

    assert funnel_figures() == funnel_figures(use_rollup=False)
    assert forecast_figures() == forecast_figures(use_rollup=False)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_rollup_equals_the_live_rows_after_any_sequence_of_writes(people, operations):
    for operation in operations:
        # A write the rules refuse changes nothing, the rollup included.
        with contextlib.suppress(*REFUSED):
            run(operation, people)
    assert rollups.verify() == []
    for reader in (people.director, *people.people):
        for filters in (PipelineFilters(), PipelineFilters(status="open"), PipelineFilters(status="all")):
            assert_readers_agree(reader, filters)
        assert_insights_agree(reader)


def test_readers_answer_from_the_rollup_with_the_live_figures(people):
    world = people
    p2 = Stage.objects.get(process=default_process(), code="P2")
    make_opportunity(
        owner=world.east_rep, stage_code="P2", amount=Decimal("1234.57"), sign_date=dt.date(2027, 5, 2)
    )
    make_opportunity(
        owner=world.west_rep,
        amount=None,
        amount_low=Decimal("100.01"),
        amount_high=Decimal("200.04"),
        sign_date=None,
    )
    make_opportunity(
        owner=world.east_rep2, stage_code="P1", amount=Decimal("10.25"), sign_date=dt.date(2027, 8, 31)
    )
    closed = make_opportunity(owner=world.east_rep, stage_code="P3", amount=Decimal("77.77"))
    services.close_opportunity(closed, by=world.east_rep, status="lost", reason="Price")
    filter_sets = [
        PipelineFilters(),
        PipelineFilters(status="open"),
        PipelineFilters(status="lost"),
        PipelineFilters(status="all"),
        PipelineFilters(owner=world.east_rep.pk),
        PipelineFilters(team=world.east.pk),
        PipelineFilters(team=world.root.pk, stage=p2.pk),
        PipelineFilters(sign_quarter="2027 Q2"),
        PipelineFilters(sign_quarter="2027 Q1", status="open"),
        PipelineFilters(sign_quarter="not a quarter"),
    ]
    for user in (world.director, world.admin, world.east_mgr, world.west_mgr, world.east_rep, world.west_rep):
        for filters in filter_sets:
            scope = rollup_cells(user, filters)
            assert scope is not None and scope.by_stage() is not None, (user, filters)
            assert_readers_agree(user, filters)
    # What the rollup cannot express goes to the live rows, with the same answer.
    for filters in (PipelineFilters(q="East"), PipelineFilters(customer=world.east_customer.pk)):
        assert rollup_cells(world.director, filters) is None
        assert_readers_agree(world.director, filters)


def test_a_deal_team_membership_elsewhere_comes_from_the_team_rollup(people, django_assert_num_queries):
    world = people
    services.set_member(world.west_opp, world.east_rep, by=world.west_rep, role="member")
    scope = rollup_cells(world.east_rep, PipelineFilters())
    assert scope is not None
    with django_assert_num_queries(1) as captured:  # the cells and the user's team rollup cells
        by_stage = scope.by_stage()
    assert "UNION ALL" in captured.captured_queries[0]["sql"]
    # No opportunity is read: the deals seen through a deal team are counted in the team rollup.
    table = f'"{Opportunity._meta.db_table}"'
    assert all(table not in q["sql"] for q in captured.captured_queries)
    assert sum(n for _s, _p, n, _m in by_stage) == 2  # their own deal and the west deal they help on
    totals = pipeline_totals(world.east_rep, PipelineFilters())
    assert totals["count"] == 2
    for filters in (
        PipelineFilters(),
        PipelineFilters(status="open"),
        PipelineFilters(status="won"),
        PipelineFilters(stage=world.west_opp.stage_id),
        PipelineFilters(owner=world.west_rep.pk),
        PipelineFilters(sign_quarter="2027 Q1"),
        PipelineFilters(sign_quarter="2030 Q1"),
    ):
        assert_readers_agree(world.east_rep, filters)
    assert_readers_agree(world.east_mgr, PipelineFilters())
    # Without a membership elsewhere, the same one statement: the team rollup has no cells of theirs.
    scope = rollup_cells(world.east_rep2, PipelineFilters())
    assert scope is not None
    with django_assert_num_queries(1):
        by_stage = scope.by_stage()
    assert sum(n for _s, _p, n, _m in by_stage) == 1
    assert pipeline_totals(world.east_rep2, PipelineFilters())["count"] == 1


def test_verify_reports_a_difference_and_rebuild_repairs_it(people, capsys):
    call_command("rollups", "verify")
    PipelineRollup.objects.filter(count__gt=0).update(count=99)
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    assert "stored count 99" in capsys.readouterr().out
    call_command("rollups", "rebuild")
    call_command("rollups", "verify")
    assert rollups.verify() == []
    FunnelRollup.objects.filter(count__gt=0).update(count=98)
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    assert "funnel rollup" in (out := capsys.readouterr().out) and "stored count 98" in out
    call_command("rollups", "rebuild")
    assert rollups.verify() == []


def test_verify_names_a_wrong_deal_team_owner_flag_and_rebuild_sets_it(people, capsys):
    """A rep's deals elsewhere are told apart by `OpportunityMember.is_owner`: a wrong flag would
    count a deal twice in their totals, so verify checks the flags and rebuild sets them."""
    deal = make_opportunity(owner=people.east_rep)
    services.set_member(deal, people.east_rep2, by=people.east_rep, role="member")
    assert rollups.verify() == []
    OpportunityMember.objects.filter(opportunity=deal).update(is_owner=True)
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    out = capsys.readouterr().out
    assert f"deal team rollup opportunity_id={deal.pk}, user_id={people.east_rep2.pk}" in out
    assert "stored is_owner True, live is_owner False" in out and out.count("deal team") == 1
    call_command("rollups", "rebuild")
    assert rollups.verify() == []
    assert dict(deal.members.values_list("user_id", "is_owner")) == {
        people.east_rep.pk: True,
        people.east_rep2.pk: False,
    }


def test_the_funnel_rollup_counts_the_furthest_stage_reached_and_its_migration_fills_it(people):
    world = people
    stages = {s.code: s for s in world.stages}
    deal = make_opportunity(owner=world.east_rep, stage_code="P2")
    approve_initiation(deal)
    services.move_stage(deal, stages["P4"], by=world.east_rep, key_node_confirmed=True)
    deal.refresh_from_db()
    services.move_stage(deal, stages["P1"], by=world.east_rep, note="Went cold")
    cell = FunnelRollup.objects.get(owner=world.east_rep, furthest_stage_order=stages["P4"].order)
    assert cell.count == 1  # moving back leaves the furthest stage reached
    assert rollups.verify() == []
    # The migration's data step, on an emptied table.
    FunnelRollup.objects.all().delete()
    assert rollups.verify() != []
    assert rollups.rebuild_funnel() == len(rollups.live_funnel_cells())
    assert rollups.verify() == []


def test_the_demo_reset_takes_its_deals_out_of_the_rollup(people):
    from kam.demo.generator import delete_demo_data

    demo_rep = UserFactory(username="demo_rep", team=people.east)
    make_opportunity(owner=demo_rep)
    delete_demo_data()
    assert rollups.verify() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_on_the_same_owner_and_stage_keep_the_rollup_exact():
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks and concurrent writers are PostgreSQL's; SQLite runs one writer at a time (IMMEDIATE)"
        )
    ensure_sales_processes()
    team = TeamFactory(name="Race")
    owner = UserFactory(username="race_owner", role=Role.REP, team=team)
    customer = CustomerFactory(owner=owner)
    deals = [make_opportunity(owner=owner, customer=customer, amount=Decimal("10.50")) for _ in range(12)]
    stages = {s.code: s for s in Stage.objects.filter(process=default_process())}
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def mover(mine: list[int]) -> None:
        try:
            barrier.wait(10)
            for _round in range(3):
                for pk in mine:
                    deal = Opportunity.objects.get(pk=pk)
                    services.move_stage(deal, stages["P1"], by=owner, key_node_confirmed=True)
                for pk in mine:
                    deal = Opportunity.objects.get(pk=pk)
                    services.move_stage(deal, stages["P0"], by=owner, note="Back")
            deal = Opportunity.objects.get(pk=mine[0])
            services.move_stage(deal, stages["P1"], by=owner, key_node_confirmed=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=mover, args=([d.pk for d in deals[i::threads_n]],)) for i in range(threads_n)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert rollups.verify() == []
    p1 = PipelineRollup.objects.get(stage=stages["P1"], owner=owner, status=OpportunityStatus.OPEN)
    assert (p1.count, p1.amount_milli) == (threads_n, threads_n * 10_500)
    summed = StageRollup.objects.get(stage=stages["P1"], owner=owner, status=OpportunityStatus.OPEN)
    assert (summed.count, summed.amount_milli) == (threads_n, threads_n * 10_500)


def test_whole_amounts_are_exact_in_the_rollup(people):
    """A whole amount's weighted share and a range's middle keep their fractions, in the rollup
    (thousandths as integers) and in the live SQL (which divided SQLite's integers integer-wise:
    963 at 20 % gave 192, a range of 3–4 gave 3)."""
    world = people
    Opportunity.objects.all().delete()
    PipelineRollup.objects.all().delete()
    StageRollup.objects.all().delete()
    make_opportunity(owner=world.east_rep, stage_code="P1", amount=Decimal("963"))
    make_opportunity(
        owner=world.east_rep, stage_code="P1", amount=None, amount_low=Decimal("3"), amount_high=Decimal("4")
    )
    totals = pipeline_totals(world.director, PipelineFilters())
    probability = Stage.objects.get(process=default_process(), code="P1").probability
    assert totals["amount"] == Decimal("966.50")
    assert totals["weighted"] == (Decimal("966.5") * probability / 100).quantize(Decimal("0.01"))
    assert totals == pipeline_totals(world.director, PipelineFilters(), use_rollup=False)
    assert_readers_agree(world.director, PipelineFilters())


def test_the_stage_rollup_sums_the_pipeline_rollup_over_months(people):
    """Deals of one owner and stage due in different months: one pipeline cell per month, one
    stage cell for all of them; a move and a deletion keep both; verify names a stage cell that
    drifted and rebuild repairs it."""
    world = people
    deals = [
        make_opportunity(owner=world.east_rep, stage_code="P2", amount=Decimal("100"), sign_date=day)
        for day in (dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10))
    ]
    stage = Stage.objects.get(process=default_process(), code="P2")
    cells = PipelineRollup.objects.filter(stage=stage, owner=world.east_rep, status=OpportunityStatus.OPEN)
    assert cells.filter(count__gt=0).count() == 3
    summed = StageRollup.objects.get(stage=stage, owner=world.east_rep, status=OpportunityStatus.OPEN)
    assert (summed.count, summed.amount_milli) == (3, 300_000)
    approve_initiation(deals[0])
    services.move_stage(
        deals[0],
        Stage.objects.get(process=default_process(), code="P3"),
        by=world.east_rep,
        key_node_confirmed=True,
    )
    summed.refresh_from_db()
    assert (summed.count, summed.amount_milli) == (2, 200_000)
    assert rollups.verify() == []
    StageRollup.objects.filter(pk=summed.pk).update(count=7)
    differences = rollups.verify()
    assert [d.rollup for d in differences] == ["stage"]
    assert "stage_id=" in str(differences[0]) and "stored count 7" in str(differences[0])
    rollups.rebuild()
    assert rollups.verify() == []


def test_verify_finds_a_wrong_forecast_row_and_rebuild_mends_it(world):
    deal = make_opportunity(
        owner=world.east_rep, stage_code="P2", amount=Decimal("100"), sign_date=dt.date(2027, 5, 3)
    )
    row = ForecastRollup.objects.get(owner=world.east_rep, sign_month=202705)
    assert (row.open_count, row.open_milli) == (1, 100_000)
    assert rollups.verify() == []
    ForecastRollup.objects.filter(pk=row.pk).update(weighted_milli_pct=1)
    differences = rollups.verify()
    assert [d.rollup for d in differences] == ["forecast"]
    assert "sign_month=202705" in str(differences[0]) and "weighted_milli_pct 1," in str(differences[0])
    rollups.rebuild()
    assert rollups.verify() == []
    row = ForecastRollup.objects.get(owner=world.east_rep, sign_month=202705)
    assert row.weighted_milli_pct == 100_000 * deal.stage.probability


def test_the_team_rollup_follows_every_change_of_a_deal_team_and_of_its_deals(people):
    """The team rollup counts a deal once per member who does not own it, under the member, the
    owner, the stage, the status and the sign month; joining, leaving, editing, moving, closing
    and reassigning the deal each move its cells, and nothing else holds them."""

    def cells():
        return {
            (r.user_id, r.owner_id, r.stage_id, r.status, r.sign_month): (r.count, r.amount_milli)
            for r in TeamRollup.objects.exclude(count=0, amount_milli=0)
        }

    east, east2, west = people.east_rep, people.east_rep2, people.west_rep
    deal = make_opportunity(owner=west, amount=Decimal("1200.50"), sign_date=dt.date(2027, 3, 9))
    stage = deal.stage_id
    assert cells() == {}
    services.set_member(deal, east, by=west, role="member")
    assert cells() == {(east.pk, west.pk, stage, "open", 202703): (1, 1_200_500)}
    services.set_member(deal, east, by=west, role="sponsor")  # a new role: the same cell
    services.set_member(deal, east2, by=west, role="member")
    assert cells() == {
        (east.pk, west.pk, stage, "open", 202703): (1, 1_200_500),
        (east2.pk, west.pk, stage, "open", 202703): (1, 1_200_500),
    }
    deal = services.update_opportunity(deal, by=west, version=None, amount=Decimal("10"), sign_date=None)
    assert cells() == {
        (east.pk, west.pk, stage, "open", NO_SIGN_MONTH): (1, 10_000),
        (east2.pk, west.pk, stage, "open", NO_SIGN_MONTH): (1, 10_000),
    }
    services.remove_member(deal, east2, by=west)
    assert cells() == {(east.pk, west.pk, stage, "open", NO_SIGN_MONTH): (1, 10_000)}
    # Reassigned to the member: east owns it now, west (still on the team) helps on it.
    deal = services.update_opportunity(deal, by=west, version=None, owner=east)
    assert cells() == {(west.pk, east.pk, stage, "open", NO_SIGN_MONTH): (1, 10_000)}
    services.close_opportunity(deal, by=east, status="lost", reason="Budget cut")
    assert cells() == {(west.pk, east.pk, stage, "lost", NO_SIGN_MONTH): (1, 10_000)}
    assert rollups.verify() == []
    delete_opportunity(deal)
    assert cells() == {}
    assert rollups.verify() == []


def test_verify_finds_a_wrong_team_rollup_cell_and_rebuild_mends_it(people, capsys):
    deal = make_opportunity(owner=people.west_rep)
    services.set_member(deal, people.east_rep, by=people.west_rep, role="member")
    TeamRollup.objects.update(count=7)
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    out = capsys.readouterr().out
    assert f"team rollup user_id={people.east_rep.pk}, owner_id={people.west_rep.pk}" in out
    assert "stored count 7" in out and "live count 1" in out
    call_command("rollups", "rebuild")
    assert rollups.verify() == []
    assert list(TeamRollup.objects.values_list("user_id", "count")) == [(people.east_rep.pk, 1)]


def test_a_write_over_more_cells_than_one_statement_takes_keeps_every_rollup(people, monkeypatch):
    """The cells go to the database UPSERT_BATCH at a time: with batches of 3, moving nine deals
    to other sign months (18 pipeline cells, new and existing) takes several statements per rollup."""
    world = people
    monkeypatch.setattr(rollups, "UPSERT_BATCH", 3)
    customer = CustomerFactory(owner=world.east_rep)
    deals = [
        make_opportunity(
            owner=world.people[i % 3],
            customer=customer,
            stage_code="P1",
            amount=Decimal(1000 + i),
            sign_date=dt.date(2027, 1 + i, 15),
        )
        for i in range(9)
    ]
    assert rollups.verify() == []
    pks = [deal.pk for deal in deals]
    with transaction.atomic(), rollups.track(pks):
        for deal in deals:
            Opportunity.objects.filter(pk=deal.pk).update(sign_date=deal.sign_date.replace(year=2028))
    assert rollups.verify() == []
    moved = PipelineRollup.objects.filter(sign_month__gte=202801, sign_month__lt=202900)
    assert sorted(moved.values_list("sign_month", "count")) == [(202801 + i, 1) for i in range(9)]


def test_each_deal_keeps_a_copy_of_its_team_less_its_owner(people):
    """`Opportunity.deal_team` (what a rep's list reads on PostgreSQL) follows joining, leaving and
    reassigning, ids ascending; a write that leaves the team alone does not touch it."""

    def team(deal):
        return Opportunity.objects.get(pk=deal.pk).deal_team

    east, east2, west = people.east_rep, people.east_rep2, people.west_rep
    deal = make_opportunity(owner=west)
    assert team(deal) == []
    services.set_member(deal, east2, by=west, role="member")
    services.set_member(deal, east, by=west, role="member")
    assert team(deal) == sorted([east.pk, east2.pk])
    services.set_member(deal, east, by=west, role="sponsor")
    assert team(deal) == sorted([east.pk, east2.pk])
    services.remove_member(deal, east2, by=west)
    assert team(deal) == [east.pk]
    # Reassigned to the member: east owns it now; west stays on the team as a member.
    deal = services.update_opportunity(deal, by=west, version=None, owner=east)
    assert team(deal) == [west.pk]
    with CaptureQueriesContext(connection) as captured:
        deal = services.update_opportunity(deal, by=east, version=None, amount=Decimal("77"))
    table = Opportunity._meta.db_table
    assert not [q for q in captured.captured_queries if "deal_team" in q["sql"] and "UPDATE" in q["sql"]]
    assert team(deal) == [west.pk]
    assert any(f'UPDATE "{table}"' in q["sql"] for q in captured.captured_queries)
    assert rollups.verify() == []


def test_verify_names_a_wrong_copy_of_a_deal_team_and_rebuild_mends_it(people, capsys):
    deal = make_opportunity(owner=people.east_rep)
    services.set_member(deal, people.east_rep2, by=people.east_rep, role="member")
    Opportunity.objects.filter(pk=deal.pk).update(deal_team=[people.west_rep.pk])
    other = make_opportunity(owner=people.west_rep)
    Opportunity.objects.filter(pk=other.pk).update(deal_team=[people.east_rep.pk])
    with pytest.raises(CommandError):
        call_command("rollups", "verify")
    out = capsys.readouterr().out
    assert f"deal team copy rollup opportunity_id={deal.pk}" in out
    assert f"stored members [{people.west_rep.pk}], live members [{people.east_rep2.pk}]" in out
    assert f"opportunity_id={other.pk}: stored members [{people.east_rep.pk}], live members []" in out
    call_command("rollups", "rebuild")
    assert rollups.verify() == []
    assert Opportunity.objects.get(pk=deal.pk).deal_team == [people.east_rep2.pk]
    assert Opportunity.objects.get(pk=other.pk).deal_team == []


def test_a_shape_of_totals_is_compiled_once_and_answers_for_every_user_of_that_shape(people, monkeypatch):
    """The rollup's totals statement is kept per shape (kam.core.statements.value_rows): a second
    user with the same kind of filter runs it without building it again, and gets their own cells."""
    from django.db.models.sql.compiler import SQLCompiler

    world = people
    services.set_member(world.west_opp, world.east_rep, by=world.west_rep, role="member")
    compiled = [0]
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    quarter = PipelineFilters(status="open", sign_quarter="2027 Q1")
    for filters in (PipelineFilters(status="open"), quarter, PipelineFilters(stage=world.west_opp.stage_id)):
        first = rollup_cells(world.east_rep, filters)
        assert first is not None
        first.by_stage()
        for user in (world.west_rep, world.east_rep2, world.east_rep):
            scope = rollup_cells(user, filters)
            assert scope is not None
            before = compiled[0]
            mine = scope.by_stage()
            assert compiled[0] == before, (user, filters)  # kept: not built again
            live = pipeline_totals(user, filters, use_rollup=False)
            assert sum(n for _s, _p, n, _m in mine) == live["count"], (user, filters)
        assert_readers_agree(world.east_rep, filters)
        assert_readers_agree(world.west_rep, filters)
    # The east rep's count includes the west deal they help on; the west rep's their own.
    assert pipeline_totals(world.east_rep, PipelineFilters(status="open"))["count"] == 2
