"""The weekly pack lists the week's stage moves with the stage summary each forward move left."""

from __future__ import annotations

from kam.opportunities import services as opportunity_services
from kam.reports.scope import resolve_scope
from kam.reports.weekly import weekly_pack
from tests.factories import make_opportunity, stage
from tests.reports.conftest import EMPTY_WEEK, WEEK, at


def test_the_weeks_moves_carry_their_summaries_in_the_order_they_happened(reports_world):
    w = reports_world
    deal = make_opportunity(owner=w.east_rep, customer=w.east_customer, name="Kiln")
    opportunity_services.move_stage(
        deal,
        stage("P1"),
        by=w.east_rep,
        key_node_confirmed=True,
        achieved="Budget confirmed",
        carry_over="Specs unknown",
        changed_at=at("2026-11-10 09:00"),
    )
    opportunity_services.move_stage(
        deal, stage("P0"), by=w.east_rep, note="Budget frozen", changed_at=at("2026-11-11 09:00")
    )
    west = make_opportunity(owner=w.west_rep, customer=w.west_customer, name="Far turbine")
    opportunity_services.move_stage(
        west, stage("P1"), by=w.west_rep, key_node_confirmed=True, changed_at=at("2026-11-10 10:00")
    )
    # Outside the week: not listed.
    opportunity_services.move_stage(
        deal, stage("P1"), by=w.east_rep, key_node_confirmed=True, changed_at=at("2026-11-16 09:00")
    )

    section = weekly_pack(resolve_scope(w.east_mgr), WEEK).section("stage_moves")
    kiln = [row for row in section.rows if row["opportunity"].endswith("Kiln")]
    assert [(r["from_stage"], r["to_stage"], r["direction"]) for r in kiln] == [
        ("P0", "P1", "forward"),
        ("P1", "P0", "back"),
    ]
    assert (kiln[0]["achieved"], kiln[0]["carry_over"]) == ("Budget confirmed", "Specs unknown")
    assert kiln[1]["note"] == "Budget frozen"
    assert kiln[0]["url"] == f"/opportunities/{deal.pk}/"
    # East's manager sees no West deal; the week's won close (P0 → won stage) is a move of its own.
    assert not any("Far turbine" in row["opportunity"] for row in section.rows)
    assert any(row["opportunity"].endswith("New press") for row in section.rows)
    assert section.figure("moves") == len(section.rows) == 3
    assert section.figure("summarised") == 1

    company = weekly_pack(resolve_scope(w.director), WEEK).section("stage_moves")
    assert any("Far turbine" in row["opportunity"] for row in company.rows)


def test_a_week_without_moves_says_so(reports_world):
    section = weekly_pack(resolve_scope(reports_world.director), EMPTY_WEEK).section("stage_moves")
    assert section.rows == [] and section.figure("moves") == 0
    assert section.empty == "No opportunity changed stage this week."
