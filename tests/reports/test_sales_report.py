"""The monthly and quarterly sales reports: results against target by rep and team, activity
figures and the loss diagnosis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.reports.periods import ReportPeriod
from kam.reports.sales_report import sales_report
from kam.reports.scope import resolve_scope
from tests.reports.conftest import NOVEMBER

QUARTER = ReportPeriod("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026 Q4")
EMPTY_QUARTER = ReportPeriod("quarter", dt.date(2025, 1, 1), dt.date(2025, 3, 31), "2025 Q1")


def test_results_against_target_by_rep_and_team(reports_world):
    w = reports_world
    report = sales_report(resolve_scope(w.director), NOVEMBER)
    assert report.title == "Monthly sales report 2026-11"
    reps = {r["name"]: r for r in report.section("by_rep").rows}
    assert reps[str(w.east_rep)]["won"] == Decimal("200000.00")
    assert reps[str(w.east_rep)]["attainment"] == Decimal("0.5000")
    teams = {r["name"]: r for r in report.section("by_team").rows}
    assert teams["East"]["target"] == Decimal("1000000.00")
    assert teams["East"]["attainment"] == Decimal("0.2000")
    assert "West" not in teams or teams["West"]["won"] == 0


def test_activity_figures_per_rep(reports_world):
    w = reports_world
    section = sales_report(resolve_scope(w.east_mgr), NOVEMBER).section("activities")
    rows = {r["owner"]: r for r in section.rows}
    mine = rows[str(w.east_rep)]
    assert (mine["done"], mine["planned"], mine["visits"], mine["cancelled"]) == (2, 2, 2, 1)
    assert mine["hours"] == Decimal("3.00")
    assert section.total["hours"] == Decimal("3.50")
    assert str(w.west_rep) not in rows


def test_time_figures_from_the_time_analysis(reports_world):
    w = reports_world
    report = sales_report(resolve_scope(w.east_mgr), NOVEMBER)
    time = report.section("time")
    rows = {r["owner"]: r for r in time.rows}
    assert rows[str(w.east_rep)]["selling"] == Decimal("3.0")
    assert rows[str(w.east_rep)]["revenue_share"] == Decimal("1.0000")
    assert rows[str(w.east_rep2)]["admin"] == Decimal("0.5")
    # Half an hour of administration is not revenue-producing: 3 of 3.5 hours are.
    assert time.total["revenue_share"] == Decimal("0.8571")
    assert time.total["band"] == "good"
    tiers = {r["tier"]: r for r in report.section("time_tiers").rows}
    assert tiers["Tier A"]["hours"] == Decimal("3.0")
    assert tiers["Tier A"]["hours_share"] == Decimal("0.8571")


def test_a_quarter_adds_up_its_months_of_time(reports_world):
    w = reports_world
    time = sales_report(resolve_scope(w.east_mgr), QUARTER).section("time")
    assert time.total["hours"] == Decimal("3.5")


def test_loss_diagnosis_where_why_to_whom_and_per_rep(reports_world):
    w = reports_world
    report = sales_report(resolve_scope(w.director), QUARTER)
    assert report.title == "Quarterly sales report 2026 Q4"
    stages = report.section("loss_stages")
    assert [(r["stage"].split()[0], r["lost"], r["amount"]) for r in stages.rows] == [
        ("P0", 1, Decimal("1000000.00"))
    ]
    assert stages.figure("lost") == 1
    assert [r["reason"] for r in report.section("loss_reasons").rows] == ["price too high"]
    assert report.section("loss_competitors").rows[0]["competitor"] == "Rival Corp"
    assert [(r["owner"], r["team"]) for r in report.section("loss_reps").rows] == [(str(w.east_rep2), "East")]
    funnel = report.section("loss_funnel")
    assert funnel.figure("closed") == 2
    assert funnel.rows[0]["entered"] == 2


def test_a_teams_loss_diagnosis_leaves_other_teams_out(reports_world):
    w = reports_world
    report = sales_report(resolve_scope(w.director, w.west.pk), QUARTER)
    assert report.section("loss_stages").rows == []
    assert report.section("loss_reps").rows == []


def test_a_rep_has_no_team_table_and_only_their_own_figures(reports_world):
    w = reports_world
    report = sales_report(resolve_scope(w.east_rep2), NOVEMBER)
    assert report.section("by_team").rows == []
    assert [r["owner"] for r in report.section("activities").rows] == [str(w.east_rep2)]


def test_a_quarter_without_data(reports_world):
    report = sales_report(resolve_scope(reports_world.director), EMPTY_QUARTER)
    for section in report.sections:
        assert section.empty
        if section.key != "time_tiers":
            assert section.rows == [], section.key
    # The tiers still show the customers' shares beside no hours at all.
    tiers = report.section("time_tiers").rows
    assert [r["hours"] for r in tiers] == [Decimal("0.0")] * 4
    assert all(r["hours_share"] is None for r in tiers)
