"""The health engine: inactive rules, severity from the row and worst first, closed deals, translated
names, a scan whose query count does not grow, counts per rule, ranking in SQL, the real clock."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.insights.health.engine import LIVE_RANK, HealthEngine, scan, scan_all_open
from kam.insights.health.norms import refresh_stage_norms
from kam.insights.models import HealthRule
from kam.opportunities.models import Opportunity
from tests.factories import UserFactory, make_opportunity
from tests.insights.health.conftest import NOW, TODAY, _chain, _changes, _stays, flags, quiet

# --- engine -----------------------------------------------------------------------------------


def test_an_inactive_rule_produces_nothing(opp):
    quiet(opp, sign_date=TODAY - dt.timedelta(days=5))
    assert "sign_date_passed" in flags(opp)
    HealthRule.objects.filter(code="sign_date_passed").update(active=False)
    assert "sign_date_passed" not in flags(opp)


def test_severity_comes_from_the_row_and_flags_are_worst_first(opp):
    quiet(opp, sign_date=TODAY - dt.timedelta(days=5), amount=None)
    HealthRule.objects.filter(code="four_elements_incomplete").update(severity="critical")
    HealthRule.objects.filter(code="sign_date_passed").update(severity="info")
    result = scan(Opportunity.objects.filter(pk=opp.pk), now=NOW)[opp.pk]
    assert [(f["code"], f["severity"]) for f in result] == [
        ("four_elements_incomplete", "critical"),
        ("sign_date_passed", "info"),
    ]


def test_closed_opportunities_are_never_flagged(opp):
    quiet(opp, sign_date=TODAY - dt.timedelta(days=5), status="won")
    assert flags(opp) == {}


def test_a_rule_name_is_translated(opp):
    from django.utils import translation

    quiet(opp, sign_date=TODAY - dt.timedelta(days=5))
    assert flags(opp)["sign_date_passed"]["name"] == "Sign date passed while open"
    with translation.override("zh-hans"):
        assert flags(opp)["sign_date_passed"]["name"] == "签约日期已过但仍在进行"


def _flagged_deals(owner, n):
    for i in range(n):
        deal = make_opportunity(owner=owner, name=f"Deal {i}", stage_code=("P3", "P4", "P5")[i % 3])
        quiet(deal, stage_code=("P3", "P4", "P5")[i % 3], sign_date=TODAY - dt.timedelta(days=i + 1))
        _chain(deal, ("decision_maker", "C", 2))
        _changes(deal, ("sign_date", "2027-01-31", "2027-03-31"), ("amount", "3.00", "2.00"))


def test_scan_query_count_is_the_same_for_10_and_60_opportunities(world):
    owner = UserFactory(team=world.east)
    _stays(owner, "P1", [5, 6, 7, 8, 9])
    refresh_stage_norms()  # stored norms: the scan reads them, it does not compute them

    def count():
        qs = Opportunity.objects.filter(owner=owner)
        with CaptureQueriesContext(connection) as ctx:
            result = scan(qs, now=NOW)
        return len(ctx.captured_queries), result

    _flagged_deals(owner, 10)
    small, result = count()
    assert len(result) == 10
    _flagged_deals(owner, 50)
    large, result = count()
    assert len(result) == 60
    assert large == small <= 3


def test_scan_all_open_counts_flagged_opportunities_per_rule(world):
    quiet(world.east_opp, sign_date=TODAY - dt.timedelta(days=5))
    quiet(world.west_opp, sign_date=TODAY - dt.timedelta(days=1), amount=None)
    quiet(world.east_opp2)
    counts = scan_all_open(now=NOW)
    assert counts["sign_date_passed"] == 2
    assert counts["four_elements_incomplete"] == 1
    assert counts["no_update"] == 0
    assert set(counts) == set(HealthRule.objects.filter(active=True).values_list("code", flat=True))


def test_engine_rank_sorts_and_filters_in_sql(world):
    quiet(world.east_opp, sign_date=TODAY - dt.timedelta(days=5))  # critical
    quiet(world.west_opp, amount=None)  # info
    quiet(world.east_opp2)  # none
    engine = HealthEngine(NOW)
    ranked = engine.with_rank(Opportunity.objects.all()).order_by(f"-{LIVE_RANK}", "id")
    assert list(ranked.values_list("name", flat=True)) == [
        "East furnace",
        "West turbine",
        "East rolling mill",
    ]
    flagged = engine.flagged_only(Opportunity.objects.all())
    assert set(flagged.values_list("name", flat=True)) == {"East furnace", "West turbine"}


def test_real_clock_is_the_default(world):
    quiet(world.east_opp, sign_date=timezone.localdate() - dt.timedelta(days=1))
    assert "sign_date_passed" in {
        f.code for f in HealthEngine().flags_for([world.east_opp])[world.east_opp.pk]
    }
