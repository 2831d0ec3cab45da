"""The monthly key-account business review: forecast against target, the key accounts' status,
wins and losses with reasons; per scope and for a month with no data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.reports.business_review import business_review
from kam.reports.periods import ReportPeriod
from kam.reports.scope import resolve_scope
from tests.reports.conftest import NOVEMBER, at

EMPTY_MONTH = ReportPeriod("month", dt.date(2025, 1, 1), dt.date(2025, 1, 31), "2025-01")


def test_forecast_against_target_per_rep_for_the_month_and_its_quarter(reports_world):
    w = reports_world
    report = business_review(resolve_scope(w.east_mgr, w.east.pk), NOVEMBER)
    month = report.section("forecast")
    (row,) = [r for r in month.rows if r["name"] == str(w.east_rep)]
    assert row["won"] == Decimal("200000.00") and row["won_count"] == 1
    assert row["target"] == Decimal("400000.00")
    assert row["attainment"] == Decimal("0.5000")
    assert row["gap"] == Decimal("200000.00")
    assert month.figure("team_target") == Decimal("1000000.00")
    quarter = report.section("forecast_quarter")
    assert "2026 Q4" in quarter.title
    assert quarter.total["won"] == Decimal("200000.00")


def test_each_key_accounts_status(reports_world):
    w = reports_world
    report = business_review(resolve_scope(w.director), NOVEMBER)
    accounts = {r["customer"]: r for r in report.section("key_accounts").rows}
    assert set(accounts) == {"East Steel", "West Power"}
    east = accounts["East Steel"]
    # East furnace (1,000,000 at P1, 20 %) and Late boiler (50,000 at P0, 10 %) are open.
    assert east["open_count"] == 2
    assert east["open_amount"] == Decimal("1050000.00")
    assert east["weighted"] == Decimal("205000.00")
    assert east["last_touch_at"] == at("2026-11-11 09:00")
    assert (east["contacts"], east["covered_contacts"], east["top_level"]) == (2, 1, 3)
    assert east["flagged_deals"] == 1
    assert accounts["West Power"]["top_level"] is None


def test_a_rep_sees_only_their_own_key_accounts(reports_world):
    report = business_review(resolve_scope(reports_world.west_rep), NOVEMBER)
    assert [r["customer"] for r in report.section("key_accounts").rows] == ["West Power"]
    assert report.section("wins_losses").rows == []


def test_wins_and_losses_with_their_reasons(reports_world):
    w = reports_world
    section = business_review(resolve_scope(w.east_mgr), NOVEMBER).section("wins_losses")
    by_result = {r["status"]: r for r in section.rows}
    assert by_result["Won"]["reason"] == "best price"
    assert by_result["Lost"]["reason"] == "price too high"
    assert by_result["Lost"]["lost_to"] == "Rival Corp"
    assert section.figure("won_amount") == Decimal("200000.00")
    assert section.figure("lost") == 1


def test_a_month_without_data(reports_world):
    report = business_review(resolve_scope(reports_world.director), EMPTY_MONTH)
    assert report.section("forecast").rows == []
    assert report.section("forecast").total is None
    assert report.section("wins_losses").rows == []
    assert report.section("wins_losses").figure("won") == 0
    # Key accounts are a status now, whatever the month.
    assert len(report.section("key_accounts").rows) == 2
