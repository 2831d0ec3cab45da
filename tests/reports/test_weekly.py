"""The weekly team meeting pack: each section's figures on the reports world, per scope, and a
week with no data."""

from __future__ import annotations

from decimal import Decimal

from kam.reports.scope import resolve_scope
from kam.reports.weekly import snapshots_for, weekly_pack
from tests.reports.conftest import EMPTY_WEEK, WEEK


def rows_by(section, key):
    return {row[key]: row for row in section.rows}


def test_the_week_runs_from_mondays_snapshot_to_the_next_mondays(reports_world):
    before, after = snapshots_for(WEEK)
    assert (before, after) == (reports_world.before, reports_world.after)


def test_pipeline_changes_of_the_week_for_the_company(reports_world):
    report = weekly_pack(resolve_scope(reports_world.director), WEEK)
    changes = rows_by(report.section("changes"), "change")
    assert changes["Advanced"]["count"] == 1
    assert changes["Advanced"]["amount"] == Decimal("1000000.00")
    assert changes["Lost"]["count"] == 1
    assert changes["New"]["count"] == 0
    listed = rows_by(report.section("changed_deals"), "change")
    assert listed["Advanced"]["stage_before"] == "P0" and listed["Advanced"]["stage"] == "P1"
    assert listed["Lost"]["reason"] == "price too high"
    assert report.section("changes").figure("changed") == 2


def test_a_reps_pack_has_only_their_own_changes(reports_world):
    report = weekly_pack(resolve_scope(reports_world.east_rep), WEEK)
    assert [r["change"] for r in report.section("changed_deals").rows] == ["Advanced"]


def test_a_teams_pack_leaves_other_teams_out(reports_world):
    w = reports_world
    report = weekly_pack(resolve_scope(w.director, w.west.pk), WEEK)
    assert report.section("changes").figure("changed") == 0
    assert report.section("flagged").rows == []
    assert [r["customer"] for r in report.section("under_visited").rows] == ["West Power"]


def test_flagged_deals_are_the_stored_flags_worst_first(reports_world):
    report = weekly_pack(resolve_scope(reports_world.east_mgr), WEEK)
    flagged = report.section("flagged")
    assert [r["opportunity"].split(" ", 1)[1] for r in flagged.rows] == ["Late boiler"]
    assert flagged.rows[0]["severity"] == "Critical"
    assert "Sign date passed while open" in flagged.rows[0]["flags"]
    assert flagged.figure("critical") == 1


def test_the_weeks_activities_against_plan_per_rep(reports_world):
    w = reports_world
    report = weekly_pack(resolve_scope(w.east_mgr), WEEK)
    plan = report.section("plan")
    rows = rows_by(plan, "owner")
    mine = rows[str(w.east_rep)]
    # Two visits done as planned; the one still planned and the cancelled one are dropped (the week is over).
    assert (mine["planned"], mine["done"], mine["dropped"], mine["unplanned"]) == (4, 2, 2, 0)
    assert mine["done_share"] == Decimal("0.5000")
    assert (mine["goals"], mine["goals_achieved"]) == (1, 1)
    assert rows[str(w.east_rep2)]["unplanned"] == 1
    assert str(w.west_rep) not in rows
    assert plan.total["planned"] == 4 and plan.total["unplanned"] == 1


def test_next_weeks_plan_lists_planned_activities_and_goals(reports_world):
    report = weekly_pack(resolve_scope(reports_world.east_rep), WEEK)
    planned = report.section("next_week")
    assert [r["summary"] for r in planned.rows] == ["visit 2026-11-17 10:00"]
    assert planned.figure("planned") == 1
    assert [r["goal"] for r in report.section("next_goals").rows] == ["Meet the decision maker"]


def test_under_visited_key_accounts_against_their_tier_policy(reports_world):
    # Tier A asks four visits a month; East Steel had two in the month up to the week's end.
    report = weekly_pack(resolve_scope(reports_world.east_mgr), WEEK)
    under = report.section("under_visited")
    assert [(r["customer"], r["required"], r["done"], r["gap"]) for r in under.rows] == [
        ("East Steel", 4, 2, 2)
    ]


def test_a_week_without_data_shows_every_section_empty(reports_world):
    report = weekly_pack(resolve_scope(reports_world.director), EMPTY_WEEK)
    assert report.section("changes").rows == []
    assert "No pipeline snapshot" in report.section("changes").empty
    for key in ("changed_deals", "next_week", "next_goals"):
        assert report.section(key).rows == [], key
    assert report.section("plan").total["planned"] == 0
    assert report.section("plan").total["unplanned"] == 0
    # Nobody visited anyone that month: every key account is short of its whole policy.
    assert {(r["customer"], r["done"]) for r in report.section("under_visited").rows} == {
        ("East Steel", 0),
        ("West Power", 0),
    }
