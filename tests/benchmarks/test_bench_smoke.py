"""The benchmark at a tiny size: the generator builds the shape it promises, and every scenario
answers with the same figures as the single SQL statement it is compared with (so the printed
ratio compares two ways of computing the same numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Min
from django.utils import timezone

from benchmarks import run
from benchmarks.generate import ensure_scoring_world, generate, sizes
from tests.factories import ensure_sales_processes

SIZE = 300


@pytest.fixture
def bench_world(db):
    ensure_sales_processes()
    counts = generate(SIZE, seed=7, today=dt.date(2026, 6, 15))
    # As the benchmark does before it measures: the generator writes past the services.
    run.ensure_health_flags()
    return counts


def test_generator_builds_the_promised_shape(bench_world):
    from kam.customers.models import Customer
    from kam.opportunities.models import Opportunity, OpportunityChange, OpportunityContact, StageChange
    from kam.org.models import Role, Team, User

    expected = sizes(SIZE)
    assert Opportunity.objects.count() == SIZE == bench_world["opportunities"]
    assert Team.objects.filter(name__startswith="bench").count() == expected["teams"]
    assert User.objects.filter(username__startswith="bench_").count() == expected["users"]
    assert User.objects.filter(username__startswith="bench_", role=Role.DIRECTOR).count() == 1
    assert Customer.objects.count() == expected["customers"]
    # Unique project numbers (the column is unique too; this guards the generator's sequence).
    assert Opportunity.objects.values("project_number").distinct().count() == SIZE
    # Every opportunity has stage history, and its last move lands on its current stage.
    assert not Opportunity.objects.annotate(n=Count("stage_changes")).filter(n=0).exists()
    for opportunity in Opportunity.objects.all()[:100]:
        last = StageChange.objects.filter(opportunity=opportunity).order_by("-changed_at", "-id").first()
        assert last.to_stage_id == opportunity.stage_id
    assert 2.0 <= StageChange.objects.count() / SIZE <= 4.0
    # The furthest stage reached agrees with the history (the funnel counts it, not the history),
    # and it is never below the current stage.
    from django.db.models import F, Max

    furthest = Opportunity.objects.annotate(top=Max("stage_changes__to_stage__order"))
    assert not furthest.exclude(furthest_stage_order=F("top")).exists()
    assert furthest.filter(furthest_stage_order__gte=F("stage__order")).count() == SIZE
    open_share = Opportunity.objects.filter(status="open").count() / SIZE
    assert 0.5 <= open_share <= 0.7
    assert OpportunityChange.objects.filter(field__in=["amount", "sign_date"]).exists()
    assert OpportunityContact.objects.exists()
    # Won opportunities sit in the won stage; open ones never do.
    assert not Opportunity.objects.filter(status="won", stage__is_won=False).exists()
    assert not Opportunity.objects.filter(status="open", stage__is_won=True).exists()


class _Undo(Exception):
    pass


def test_generator_is_deterministic(db):
    from django.db import transaction

    from kam.opportunities.models import Opportunity

    ensure_sales_processes()

    def world() -> list[tuple]:
        generate(60, seed=3, today=dt.date(2026, 6, 15))
        return list(
            Opportunity.objects.order_by("project_number").values_list(
                "project_number", "owner__username", "stage__code", "status", "amount", "sign_date"
            )
        )

    with pytest.raises(_Undo), transaction.atomic():
        first = world()
        raise _Undo
    assert world() == first


def _same(got, reference):
    """Equal, with money compared to the cent (SQLite sums decimals as floats)."""
    if isinstance(got, dict):
        assert set(got) == set(reference)
        for key in got:
            _same(got[key], reference[key])
    elif isinstance(got, list | tuple):
        assert len(got) == len(reference)
        for a, b in zip(got, reference, strict=True):
            _same(a, b)
    elif isinstance(got, Decimal):
        assert run.close_enough(got, b := Decimal(reference)), (got, b)
    else:
        assert got == reference


def test_every_scenario_computes_what_its_reference_sql_computes(bench_world):
    ctx = run.make_context()
    pairs = run.verify(ctx)
    # The pipeline's own reads exist today; the insights ones are checked as soon as they exist.
    assert {"pipeline_page", "pipeline_totals", "board", "api_list", "rescore"} <= set(pairs)
    assert {"rep_api_list", "manager_api_list"} <= set(pairs)  # the lists as each kind of viewer
    # The API list under every other sort too, as each viewer, first page and (director, manager) 100th.
    api_sorts = {"api_sort_name_deep", "manager_api_sort_desc_stage_deep", "rep_api_sort_desc_severity"}
    assert api_sorts <= set(pairs)
    try:
        from kam.insights.forecast.funnel import funnel  # noqa: F401
        from kam.insights.forecast.selectors import forecast  # noqa: F401

        assert {"forecast", "funnel"} <= set(pairs)
    except ImportError:
        pass
    try:
        from kam.insights.health.engine import scan_all_open  # noqa: F401

        assert "health_scan" in pairs
    except ImportError:
        pass
    try:
        from kam.activities.policy.selectors import under_visited  # noqa: F401
        from kam.activities.time.selectors import time_analysis  # noqa: F401

        assert {"time_analysis", "under_visited"} <= set(pairs)
    except ImportError:
        pass
    for name, (got, reference) in pairs.items():
        assert got, name  # the data set gives every scenario something to compute
        _same(got, reference)


def test_each_scenario_is_timed_with_its_reference(bench_world):
    ctx = run.make_context()
    measures = [run.measure(s, ctx, runs=1, vendor="sqlite") for s in run.SCENARIOS]
    listed = run.table(measures, "smoke")
    for scenario, measure in zip(run.SCENARIOS, measures, strict=True):
        assert measure.label in listed
        if measure.ms is None:
            assert run.NOT_AVAILABLE in measure.note
        elif scenario.reference is None:
            # A pass that writes (rolled back) has no single statement to compare with.
            assert scenario.name in run.WITHOUT_REFERENCE and measure.queries
        else:
            assert measure.reference_ms is not None and measure.queries
            # The run itself checks its figures against the reference statement's.
            assert measure.correct is not False, measure.name


def test_postgres_url_keeps_the_benchmark_out_of_the_application_database(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://kam:kam@127.0.0.1:5432/kam")
    assert run.postgres_url() == "postgres://kam:kam@127.0.0.1:5432/kam_bench"
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u:p@db:5432/elsewhere")
    assert run.postgres_url() == "postgres://u:p@db:5432/elsewhere"
    monkeypatch.delenv("BENCH_DATABASE_URL")
    monkeypatch.delenv("DATABASE_URL")
    assert run.postgres_url() is None


def test_scoring_world_tops_customers_up_once_and_gives_them_scoring_inputs(bench_world):
    from kam.customers.models import Customer, CustomerCriterionValue

    before = Customer.objects.count()
    assert ensure_scoring_world(before + 40, seed=7) == before + 40
    values = CustomerCriterionValue.objects.count()
    assert values > 0
    assert not Customer.objects.filter(category_purchases__isnull=True).exists()
    assert ensure_scoring_world(before + 40, seed=7) == before + 40
    assert CustomerCriterionValue.objects.count() == values
    ctx = run.make_context()
    got, reference = run.verify(ctx, [s for s in run.SCENARIOS if s.name == "rescore"])["rescore"]
    assert sum(got.values()) == before + 40
    assert got == reference


def test_generator_writes_ten_activities_per_opportunity_over_six_months(bench_world):
    from django.db.models import F, Max, Q

    from kam.activities.models import Activity
    from kam.customers.models import Customer
    from kam.opportunities.models import Opportunity
    from kam.relationships.models import Contact

    today = dt.date(2026, 6, 15)
    activities = Activity.objects.all()
    assert activities.count() == 10 * SIZE == bench_world["activities"]
    planned = activities.filter(status="planned").count() / activities.count()
    assert 0.12 <= planned <= 0.28
    done = activities.filter(status="done")
    starts = done.aggregate(first=Min("start"), last=Max("start"))
    assert starts["last"].date() <= today
    assert starts["first"].date() >= today - dt.timedelta(days=182)
    # Every month of the six has activities, and weekends have none (working days only).
    months = {(d.year, d.month) for d in done.dates("start", "month")}
    assert len(months) >= 6
    assert not any(timezone.localtime(a.start).weekday() >= 5 for a in done.only("start")[:500])
    assert not activities.filter(status="planned", start__date__lte=today).exists()
    # On a deal: its customer and its owner; otherwise the customer's owner.
    on_deal = activities.filter(opportunity__isnull=False)
    assert on_deal.exists() and activities.filter(opportunity__isnull=True).exists()
    assert not on_deal.exclude(customer_id=F("opportunity__customer_id")).exists()
    assert not on_deal.exclude(owner_id=F("opportunity__owner_id")).exists()
    assert not activities.filter(opportunity__isnull=True).exclude(owner_id=F("customer__owner_id")).exists()
    # Contacts are the customer's own, one to three per activity that meets the customer.
    links = Activity.contacts.through.objects.all()
    assert links.exists()
    assert not links.exclude(contact__customer_id=F("activity__customer_id")).exists()
    assert max(Activity.objects.annotate(n=Count("contacts")).values_list("n", flat=True)) <= 3
    assert set(activities.values_list("kind__code", flat=True).distinct()) >= {"visit", "call", "travel"}
    # Some customers were left alone for weeks: the under-visited list has something to show.
    recent = today - dt.timedelta(days=21)
    assert Customer.objects.exclude(
        Q(activities__start__date__gte=recent) & Q(activities__status="done")
    ).exists()
    # The last touch is the latest done activity, on customers, contacts and deals.
    for model, path in ((Customer, "activities"), (Opportunity, "activities"), (Contact, "activities")):
        rows = model.objects.annotate(
            latest=Max(f"{path}__start", filter=Q(**{f"{path}__status": "done"}))
        ).values_list("last_touch_at", "latest")
        assert rows.exists()
        assert all(touch == latest for touch, latest in rows), model.__name__
        assert any(touch is not None for touch, _latest in rows)


def test_activities_top_up_an_older_data_set_once(bench_world):
    from benchmarks.generate import ensure_activities
    from kam.activities.models import Activity
    from kam.customers.models import Customer

    assert ensure_activities(seed=7) == 0  # already there: nothing added
    Activity.objects.all().delete()
    Customer.objects.update(last_touch_at=None)
    assert ensure_activities(seed=7) == 10 * SIZE
    assert Activity.objects.count() == 10 * SIZE
    assert Customer.objects.filter(last_touch_at__isnull=False).exists()
    assert ensure_activities(seed=7) == 0
