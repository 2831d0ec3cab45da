"""The forecast and the funnel read the rollups whenever the request is expressible in their
dimensions, with the same figures as the live SQL over the opportunities; anything else (a
grouping the rollup does not hold, a range cutting a month, a user on someone else's deal team)
reads the opportunities."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.core.errors import ConflictError, RuleViolation
from kam.insights.forecast.funnel import funnel, rollup_counts
from kam.insights.forecast.selectors import Figures, forecast, forecast_rollup_rows
from kam.opportunities import rollups, services
from kam.opportunities.models import FORECAST_FIGURES, ForecastRollup, Opportunity, SalesProcess, Stage
from kam.org.models import Role
from tests.factories import CustomerFactory, UserFactory, default_process, make_opportunity

# Whole amounts (SQLite keeps them as integers), cents and halves; ranges whose middle has a
# thousandth; no amount at all.
CENTS = st.tuples(st.integers(0, 5_000_000), st.sampled_from(["0", "0.37", "0.5", "0.01"])).map(
    lambda p: Decimal(p[0]) + Decimal(p[1])
)
AMOUNTS = st.one_of(
    st.just((None, None, None)),
    CENTS.map(lambda a: (a, None, None)),
    st.tuples(CENTS, CENTS.map(lambda a: a + Decimal("0.05"))).map(lambda p: (None, min(p), max(p))),
)
DATES = st.one_of(st.none(), st.dates(dt.date(2026, 11, 1), dt.date(2028, 2, 28)))
CATEGORIES = st.sampled_from(["", "commit", "best_case", "pipeline", "omitted"])
DEALS = st.lists(
    st.tuples(
        st.integers(0, 4),  # owner
        st.integers(0, 7),  # stage
        AMOUNTS,
        DATES,
        CATEGORIES,
        st.sampled_from(["open", "open", "won", "lost", "dropped", "back"]),
        st.integers(0, 4),  # reassigned to
    ),
    min_size=1,
    max_size=10,
)
REFUSED = (RuleViolation, ValidationError, ConflictError)

# (start, end): open-ended, a year, a quarter, a month, from a month on, up to a month.
WHOLE_MONTHS = [
    (None, None),
    (dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
    (dt.date(2027, 4, 1), dt.date(2027, 6, 30)),
    (dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
    (dt.date(2027, 4, 1), None),
    (None, dt.date(2027, 3, 31)),
]
CUT_MONTHS = [(dt.date(2027, 4, 15), dt.date(2027, 6, 30)), (dt.date(2027, 4, 1), dt.date(2027, 6, 29))]


@pytest.fixture
def people(world):
    w = world
    w.loner = UserFactory(username="loner", role=Role.REP, team=None)  # a rep in no team
    w.people = [w.east_rep, w.east_rep2, w.west_rep, w.east_mgr, w.loner]
    w.stages = list(Stage.objects.filter(process=default_process()).order_by("order"))
    w.viewers = [w.director, w.admin, w.east_mgr, w.west_mgr, w.east_rep, w.west_rep, w.loner, None]
    return w


def add_deal(world, deal) -> None:
    who, stage_index, (amount, low, high), sign_date, category, fate, heir = deal
    owner = world.people[who]
    opportunity = services.create_opportunity(
        by=owner,
        customer=CustomerFactory(owner=owner),
        name="Deal",
        owner=owner,
        stage=world.stages[stage_index],
        amount=amount,
        amount_low=low,
        amount_high=high,
        sign_date=sign_date,
        forecast_category=category,
    )
    if heir != who:
        opportunity = services.update_opportunity(
            opportunity, by=owner, version=None, owner=world.people[heir]
        )
    if fate == "back":
        services.move_stage(opportunity, world.stages[0], by=owner, note="Went cold")
    elif fate != "open":
        services.close_opportunity(opportunity, by=owner, status=fate, reason="Decided")


def comparable(result) -> tuple:
    """Every figure a forecast shows, to the cent."""
    rows = {(r["period_key"], r["group_key"]): Figures.from_row(r).as_dict() for r in result.rows}
    groups = [
        (g.key, g.label, g.figures.as_dict(), g.target.as_dict() if g.target else None) for g in result.groups
    ]
    by_period = {k: f.as_dict() for k, f in result.by_period.items()}
    return rows, groups, by_period, result.totals.as_dict(), result.periods


def funnel_figures(user, process=None, **kwargs) -> list[tuple]:
    return [
        (s.stage.pk, s.open_count, s.open_amount, s.reached, s.conversion)
        for s in funnel(user, process, **kwargs)
    ]


def assert_forecast_paths_agree(user, group, period, start, end, *, expect_rollup: bool | None) -> None:
    """Both paths give the same figures; `expect_rollup` (unless None) says whether the rollup answers."""
    answered = forecast_rollup_rows(user, group=group, period=period, start=start, end=end) is not None
    if expect_rollup is not None:
        assert answered == expect_rollup, (user, group, period, start, end)
    kwargs = {"start": start, "end": end}
    assert comparable(forecast(user, group, period, **kwargs)) == comparable(
        forecast(user, group, period, use_rollup=False, **kwargs)
    ), (user, group, period, start, end)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.long
@given(deals=DEALS)
def test_rollup_and_live_forecast_and_funnel_agree_on_random_pipelines(people, deals):
    for deal in deals:
        # A write the rules refuse (a closed deal moved back, say) changes nothing.
        with contextlib.suppress(*REFUSED):
            add_deal(people, deal)
    assert rollups.verify() == []
    for user in people.viewers:
        # A reassigned deal keeps its first owner on the deal team: that owner may need the rows.
        sees_all = user is None or user.sees_everything
        expect = True if sees_all else None
        for group in ("rep", "team"):
            for start, end in WHOLE_MONTHS:
                assert_forecast_paths_agree(user, group, "quarter", start, end, expect_rollup=expect)
        start, end = WHOLE_MONTHS[1]
        for period in ("month", "year"):
            assert_forecast_paths_agree(user, "team", period, start, end, expect_rollup=expect)
        if sees_all:
            assert rollup_counts(user, default_process()) is not None
        assert funnel_figures(user) == funnel_figures(user, use_rollup=False)


def test_what_the_rollup_cannot_express_reads_the_opportunities(people):
    world = people
    make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        stage_code="P3",
        amount=None,
        amount_low=Decimal("100.01"),
        amount_high=Decimal("200.04"),
        sign_date=dt.date(2027, 4, 20),
        product_line="Furnace",
    )
    for group in ("customer", "product_line"):
        assert_forecast_paths_agree(world.director, group, "quarter", None, None, expect_rollup=False)
    for start, end in CUT_MONTHS:
        assert_forecast_paths_agree(world.director, "team", "quarter", start, end, expect_rollup=False)
    # An inactive user sees nothing, on either path.
    world.east_rep.is_active = False
    assert forecast_rollup_rows(world.east_rep) is None
    assert forecast(world.east_rep).rows == []


def test_a_rep_who_sees_a_deal_only_through_a_deal_team_reads_the_opportunities(people):
    world = people
    # The world's deals sign on 2027-03-31; west_rep's is the one east_rep helps on.
    services.set_member(world.west_opp, world.east_rep, by=world.west_rep, role="member")
    q1 = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    for group in ("rep", "team"):
        assert_forecast_paths_agree(world.east_rep, group, "quarter", *q1, expect_rollup=False)
    result = forecast(world.east_rep, "rep", "quarter", start=q1[0], end=q1[1])
    assert {g.key for g in result.groups} == {world.east_rep.pk, world.west_rep.pk}
    assert result.totals.open_count == 2
    # A quarter where the deal they help on does not sign: the rollup answers.
    q2 = (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    assert_forecast_paths_agree(world.east_rep, "rep", "quarter", *q2, expect_rollup=True)
    # Their manager sees the west deal only through... nothing: the membership is east_rep's.
    assert_forecast_paths_agree(world.east_mgr, "team", "quarter", *q1, expect_rollup=True)
    # The funnel counts every deal of the process, so the membership always sends it to the rows.
    assert rollup_counts(world.east_rep, default_process()) is None
    assert funnel_figures(world.east_rep) == funnel_figures(world.east_rep, use_rollup=False)
    assert sum(s.open_count for s in funnel(world.east_rep)) == 2


def test_a_deal_team_membership_with_no_cell_of_ones_own_still_reads_the_opportunities(people):
    world = people
    services.set_member(world.west_opp, world.loner, by=world.west_rep, role="member")
    assert forecast_rollup_rows(world.loner, group="rep") is None
    assert forecast(world.loner, "rep").totals.open_count == 1
    assert rollup_counts(world.loner, default_process()) is None
    assert sum(s.open_count for s in funnel(world.loner)) == 1


def test_the_funnel_of_another_process_reads_its_own_cells(people):
    world = people
    other = SalesProcess.objects.exclude(pk=default_process().pk).first()
    first = other.stages.order_by("order").first()
    services.create_opportunity(
        by=world.east_rep,
        customer=world.east_customer,
        owner=world.east_rep,
        name="Project sale",
        stage=first,
        amount=Decimal("12.5"),
        sign_date=dt.date(2027, 5, 1),
    )
    figures = funnel_figures(world.director, other)
    assert figures == funnel_figures(world.director, other, use_rollup=False)
    assert figures[0][1:4] == (1, Decimal("12.50"), 1)


def test_the_rollup_keeps_the_forecasts_query_count(people, django_assert_num_queries):
    world = people
    for i in range(6):
        make_opportunity(owner=world.people[i % 3], stage_code="P4", sign_date=dt.date(2027, 4 + i % 3, 10))
    q2 = {"start": dt.date(2027, 4, 1), "end": dt.date(2027, 6, 30)}
    process = default_process()
    # Figures (the rollup, with the deal team check riding along for a rep), labels, targets.
    with django_assert_num_queries(3):
        forecast(world.director, "team", "quarter", **q2)
    with django_assert_num_queries(3):
        forecast(world.east_rep, "rep", "quarter", **q2)
    # Stages, open sums, furthest stages reached.
    with django_assert_num_queries(3):
        funnel(world.director, process)
    with django_assert_num_queries(3):
        funnel(world.east_rep, process)
    # The fallback costs the rollup's attempt on top of the live figures.
    services.set_member(world.west_opp, world.east_rep, by=world.west_rep, role="member")
    with django_assert_num_queries(4):
        forecast(world.east_rep, "rep", "quarter", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
    with django_assert_num_queries(4):
        funnel(world.east_rep, process)


def test_the_forecast_keeps_thousandths_of_a_range_and_weights_them_exactly(people):
    world = people
    Opportunity.objects.filter(pk__in=[world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk]).delete()
    rollups.rebuild()
    make_opportunity(
        owner=world.east_rep,
        stage_code="P1",
        amount=None,
        amount_low=Decimal("3"),
        amount_high=Decimal("4"),
        sign_date=dt.date(2027, 5, 1),
    )
    make_opportunity(
        owner=world.east_rep, stage_code="P1", amount=Decimal("963"), sign_date=dt.date(2027, 5, 2)
    )
    result = forecast(world.director, "rep", "month", start=dt.date(2027, 5, 1), end=dt.date(2027, 5, 31))
    probability = Stage.objects.get(process=default_process(), code="P1").probability
    assert result.totals.open_amount == Decimal("966.50")
    assert result.totals.weighted == (Decimal("966.5") * probability / 100).quantize(Decimal("0.01"))
    assert comparable(result) == comparable(
        forecast(
            world.director,
            "rep",
            "month",
            start=dt.date(2027, 5, 1),
            end=dt.date(2027, 5, 31),
            use_rollup=False,
        )
    )


def _rollup_plan(table: str, **kwargs) -> str:
    with CaptureQueriesContext(connection) as captured:
        forecast_rollup_rows(**kwargs)
    sql = next(q["sql"] for q in captured.captured_queries if table in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_forecast_reads_a_range_of_months_from_the_rollups_month_index(people):
    """A year's forecast reads that year's rows through the (sign month, owner) index, not every
    row of the forecast rollup."""
    world = people
    make_opportunity(owner=world.people[0], stage_code="P4", sign_date=dt.date(2027, 5, 10))
    for period in ("quarter", "month"):
        plan = _rollup_plan(
            "forecastrollup",
            user=world.director,
            group="team",
            period=period,
            start=dt.date(2027, 1, 1),
            end=dt.date(2027, 12, 31),
        )
        # The unique constraint's index (SQLite names it sqlite_autoindex_…).
        assert re.search(r"forecastrollup USING INDEX \S+ \(sign_month>\? AND sign_month<\?\)", plan), plan


def _figures(owner) -> list[tuple]:
    return sorted(ForecastRollup.objects.filter(owner=owner).values_list("sign_month", *FORECAST_FIGURES))


def test_the_forecast_rollup_holds_each_months_figures_weighed_by_the_stages(people):
    world = people
    owner = world.loner  # no deals of the shared world
    p4 = Stage.objects.get(process=default_process(), code="P4")
    p2 = Stage.objects.get(process=default_process(), code="P2")
    make_opportunity(owner=owner, stage_code="P4", sign_date=dt.date(2027, 2, 10), amount=Decimal("1000"))
    make_opportunity(
        owner=owner,
        stage_code="P2",
        sign_date=dt.date(2027, 2, 20),
        amount=Decimal("200.5"),
        forecast_category="commit",
    )
    # No sign date: the forecast does not count it.
    make_opportunity(owner=owner, stage_code="P1", sign_date=None, amount=Decimal("7"))
    won = make_opportunity(owner=owner, stage_code="P4", sign_date=dt.date(2027, 5, 1), amount=Decimal("30"))
    services.close_opportunity(won, by=owner, status="won", reason="Signed")

    categories = {p4.forecast_category: 1_000_000}
    categories["commit"] = categories.get("commit", 0) + 200_500
    february = (
        202702,
        2,  # open
        0,  # won
        1_200_500,
        0,
        1_000_000 * p4.probability + 200_500 * p2.probability,
        categories.get("commit", 0),
        categories.get("best_case", 0),
        categories.get("pipeline", 0),
        categories.get("omitted", 0),
    )
    may = (202705, 0, 1, 0, 30_000, 0, 0, 0, 0, 0)
    assert _figures(owner) == [february, may]

    # A stage's probability and default category weigh every deal in it: a change recomputes the rows.
    p4.probability = p4.probability + 5
    p4.forecast_category = "best_case"
    p4.save()
    february = (
        202702,
        2,
        0,
        1_200_500,
        0,
        1_000_000 * p4.probability + 200_500 * p2.probability,
        200_500,
        1_000_000,
        0,
        0,
    )
    assert _figures(owner) == [february, may]
    assert rollups.verify() == []
    year = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    for period in ("quarter", "month", "year"):
        assert_forecast_paths_agree(world.director, "team", period, *year, expect_rollup=True)

    # A rename leaves the rollup alone (no recomputation for what it does not hold).
    with CaptureQueriesContext(connection) as captured:
        p4.name = "Renamed"
        p4.save()
    assert not any("forecastrollup" in q["sql"] for q in captured.captured_queries)
