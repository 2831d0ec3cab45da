"""The benchmark at a tiny size: the generator builds the shape it promises, and every scenario
answers with the same figures as the single SQL statement it is compared with (so the printed
ratio compares two ways of computing the same numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count

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
    for name, (got, reference) in pairs.items():
        assert got, name  # the data set gives every scenario something to compute
        _same(got, reference)


def test_each_scenario_is_timed_with_its_reference(bench_world):
    ctx = run.make_context()
    measures = [run.measure(s, ctx, runs=1, vendor="sqlite") for s in run.SCENARIOS]
    listed = run.table(measures, "smoke")
    for measure in measures:
        assert measure.label in listed
        if measure.ms is None:
            assert run.NOT_AVAILABLE in measure.note
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
