"""Stored stage norms: refreshed in one pass (command, snapshot), read by the scan; and the scan's
flags decided from fetched facts agree with the rules' SQL conditions."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.insights.health.engine import LIVE_RANK, HealthEngine, scan
from kam.insights.health.norms import refresh_stage_norms
from kam.insights.models import StageNorm
from kam.insights.review.services import take_snapshot
from kam.opportunities.models import Opportunity
from tests.factories import make_opportunity, stage
from tests.insights.health.conftest import NOW, TODAY, _chain, _changes, _stays, quiet, set_thresholds


def _stored(percentile: int = 80) -> dict[tuple[int | None, int], tuple[int, int]]:
    return {
        (n.team_id, n.stage_id): (n.seconds, n.samples)
        for n in StageNorm.objects.filter(percentile=percentile)
    }


@pytest.fixture
def history(world):
    _stays(world.east_rep2, "P1", [10, 20, 30, 40, 50])
    _stays(world.west_rep, "P1", [100])
    # The writes above recomputed flags, storing norms from the history half built: start as a
    # fresh install would, with none stored.
    StageNorm.objects.all().delete()


def test_refresh_stores_team_and_company_norms_with_their_samples(world, history):
    norms = refresh_stage_norms(now=NOW)
    p1 = stage("P1").pk
    stored = _stored()
    assert stored[(world.east.pk, p1)] == (40 * 86400, 5)
    assert stored[(world.west.pk, p1)] == (100 * 86400, 1)  # stored; too few samples is decided on read
    assert stored[(None, p1)] == (50 * 86400, 6)
    assert len(norms) == StageNorm.objects.count()
    assert {n.computed_at for n in StageNorm.objects.all()} == {NOW}


def test_refresh_replaces_the_stored_norms(world, history):
    refresh_stage_norms(now=NOW)
    refresh_stage_norms(percentile=100, now=NOW)
    assert set(StageNorm.objects.values_list("percentile", flat=True)) == {100}
    assert _stored(100)[(None, stage("P1").pk)] == (100 * 86400, 6)


def test_refresh_uses_the_rules_percentile_by_default(world, history):
    set_thresholds("stage_too_long", percentile=20)
    refresh_stage_norms()
    assert set(StageNorm.objects.values_list("percentile", flat=True)) == {20}
    assert _stored(20)[(world.east.pk, stage("P1").pk)] == (10 * 86400, 5)


def test_scan_compares_with_the_stored_norm_not_the_current_history(world, history):
    opp = quiet(world.east_opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=45))
    refresh_stage_norms()
    assert "stage_too_long" in scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)[opp.pk][0]["code"]
    _stays(world.east_rep2, "P1", [90, 90, 90, 90, 90])  # the team's norm would now be 90 days
    assert opp.pk in scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)
    refresh_stage_norms()
    assert opp.pk not in scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)


def test_a_fresh_install_computes_and_stores_the_norms_once(world, history):
    assert not StageNorm.objects.exists()
    opp = quiet(world.east_opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=45))
    assert opp.pk in scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)
    assert _stored()[(world.east.pk, stage("P1").pk)] == (40 * 86400, 5)
    with CaptureQueriesContext(connection) as ctx:
        scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)
    assert len(ctx.captured_queries) == 3  # rules, stored norms, facts


def test_a_changed_percentile_is_computed_on_first_use(world, history):
    refresh_stage_norms()
    set_thresholds("stage_too_long", percentile=100)
    opp = quiet(world.east_opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=45))
    assert opp.pk not in scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)  # team's longest: 50
    assert set(StageNorm.objects.values_list("percentile", flat=True)) == {100}


def test_refresh_norms_command_prints_what_it_stored(world, history):
    out = StringIO()
    call_command("refresh_norms", stdout=out)
    assert StageNorm.objects.count() == 3  # east P1, west P1, company P1
    assert out.getvalue().strip() == "Stored 3 stage norms (80th percentile): 1 company-wide, 2 for 2 teams."


def test_refresh_norms_command_takes_a_percentile(world, history):
    out = StringIO()
    call_command("refresh_norms", "--percentile", "50", stdout=out)
    assert set(StageNorm.objects.values_list("percentile", flat=True)) == {50}
    assert "(50th percentile)" in out.getvalue()


def test_refresh_norms_command_without_history_stores_nothing(world):
    out = StringIO()
    StageNorm.objects.all().delete()
    from kam.opportunities.models import StageChange

    StageChange.objects.all().delete()
    call_command("refresh_norms", stdout=out)
    assert StageNorm.objects.count() == 0
    assert out.getvalue().startswith("Stored 0 stage norms")


def test_taking_a_snapshot_refreshes_the_norms(world, history):
    take_snapshot(note="weekly")
    assert _stored()[(world.east.pk, stage("P1").pk)] == (40 * 86400, 5)


def test_flags_decided_from_facts_agree_with_the_sql_conditions(world, history):
    """The scan decides in Python, sorting and filtering use SQL: both must say the same."""
    refresh_stage_norms()
    owner = world.east_rep
    cases = [
        {"sign_date": TODAY - dt.timedelta(days=3)},
        {"sign_date": TODAY + dt.timedelta(days=10), "stage_code": "P2"},
        {"stage_code": "P4"},
        {"stage_code": "P1", "stage_entered_at": NOW - dt.timedelta(days=45)},
        {"stage_code": "P1", "stage_entered_at": NOW - dt.timedelta(days=40)},
        {"last_touch_at": NOW - dt.timedelta(days=400)},
        {"amount": None},
        {"sign_date": None},
        {},
    ]
    made = []
    for i, fields in enumerate(cases):
        opp = make_opportunity(owner=owner, name=f"case {i}")
        made.append(quiet(opp, **fields))
    _chain(made[2], ("decision_maker", "C", 2), ("technical_approver", "A", None))
    _changes(made[8], ("sign_date", "2027-01-31", "2027-03-31"), ("amount", "3.00", "2.00"))
    engine = HealthEngine(NOW)
    qs = Opportunity.objects.filter(pk__in=[o.pk for o in made])
    scanned = engine.scan(qs)
    assert set(engine.flagged_only(qs).values_list("pk", flat=True)) == set(scanned)
    ranks = dict(engine.with_rank(qs, alias=False).values_list("pk", LIVE_RANK))
    for pk, rank in ranks.items():
        flags = scanned.get(pk, [])
        assert rank == (max(f.rank for f in flags) if flags else 0)
    for rule in engine.rules:
        in_sql = set(engine._annotate(qs, alias=True).filter(rule.condition()).values_list("pk", flat=True))
        in_scan = {pk for pk, flags in scanned.items() if rule.code in {f.code for f in flags}}
        assert in_sql == in_scan, rule.code
    assert len({f.code for flags in scanned.values() for f in flags}) >= 7  # the cases reach most rules
