"""The reports as JSON: the shape, the figures, the scope (404 for a team outside the reader's)."""

from __future__ import annotations

import pytest


def test_the_weekly_report_as_json(reports_world, api_as):
    response = api_as(reports_world.east_mgr).get("/reports/weekly", {"week": "2026-W46"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"kind", "title", "period", "scope", "sections", "period_error"}
    assert body["kind"] == "weekly"
    assert body["period"] == {"kind": "week", "start": "2026-11-09", "end": "2026-11-15", "label": "2026-W46"}
    assert body["scope"] == {"label": "All my teams", "team_id": None, "owner_id": None}
    sections = {s["key"]: s for s in body["sections"]}
    assert list(sections) == [
        "changes",
        "changed_deals",
        "stage_moves",
        "flagged",
        "plan",
        "next_week",
        "next_goals",
        "under_visited",
    ]
    flagged = sections["flagged"]
    assert set(flagged) == {"key", "title", "columns", "rows", "total", "figures", "count", "empty", "note"}
    assert {"key": "amount", "label": "Amount", "kind": "money"} in flagged["columns"]
    assert flagged["rows"][0]["amount"] == "50000.00"
    assert flagged["rows"][0]["url"].startswith("/opportunities/")
    assert flagged["count"] == 1
    assert sections["under_visited"]["rows"][0]["gap"] == 2


def test_the_review_as_json_has_money_as_decimal_strings_and_shares_as_fractions(reports_world, api_as):
    w = reports_world
    body = api_as(w.east_mgr).get("/reports/review", {"month": "2026-11", "team": w.east.pk}).json()
    assert body["scope"]["team_id"] == w.east.pk
    forecast = next(s for s in body["sections"] if s["key"] == "forecast")
    row = next(r for r in forecast["rows"] if r["name"] == str(w.east_rep))
    assert (row["won"], row["target"], row["attainment"]) == ("200000.00", "400000.00", "0.5000")
    figures = {f["key"]: f["value"] for f in forecast["figures"]}
    assert figures["team_target"] == "1000000.00"


def test_the_sales_report_for_a_quarter(reports_world, api_as):
    body = api_as(reports_world.director).get("/reports/sales", {"p": "2026 Q4"}).json()
    assert body["title"] == "Quarterly sales report 2026 Q4"
    assert body["period"]["start"] == "2026-10-01" and body["period"]["end"] == "2026-12-31"


def test_a_bad_period_answers_the_default_with_the_message(reports_world, api_as):
    body = api_as(reports_world.director).get("/reports/sales", {"p": "whenever"}).json()
    assert body["period_error"] == "Write a month as 2026-11 or a quarter as 2026 Q4."
    assert body["period"]["kind"] == "month"


@pytest.mark.parametrize("path", ["/reports/weekly", "/reports/review", "/reports/sales"])
def test_a_team_outside_the_readers_is_a_404(reports_world, api_as, path):
    w = reports_world
    assert api_as(w.east_rep).get(path, {"team": w.east.pk}).status_code == 404
    assert api_as(w.east_mgr).get(path, {"team": w.west.pk}).status_code == 404
    assert api_as(w.west_mgr).get(path, {"team": w.west.pk}).status_code == 200
    assert api_as(w.director).get(path, {"team": w.west.pk}).status_code == 200
