"""Win/loss across deals: figures by reason, competitor, stage reached, rep and team; win rate;
the deals behind each figure; filters; visibility; a fixed number of queries; Excel and JSON."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import CloseReason
from tests.factories import CompetitorFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day} 10:00"))


def close(opportunity, status, code, day="2026-06-10", **extra):
    return opportunity_services.close_opportunity(
        opportunity,
        by=opportunity.owner,
        status=status,
        reason_choice=CloseReason.objects.get(outcome=status, code=code),
        closed_at=at(day),
        **extra,
    )


def deal(owner, name, stage_code="P0", amount="1000000"):
    return make_opportunity(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        name=name,
        stage_code=stage_code,
        amount=Decimal(amount),
    )


@pytest.fixture
def closes(world):
    w = world
    w.rival = CompetitorFactory(name="Rival Corp")
    w.other = CompetitorFactory(name="Other Ltd")
    w.won_a = deal(w.east_rep, "Won A", "P3")
    opportunity_services.add_competitor(w.won_a, w.rival, by=w.east_rep)
    close(w.won_a, "won", "solution")
    w.lost_b = deal(w.east_rep, "Lost B", "P4", "2000000")
    close(w.lost_b, "lost", "price", lost_to=w.rival)
    w.dropped_c = deal(w.east_rep, "Dropped C", "P1", "500000")
    close(w.dropped_c, "dropped", "no-budget")
    w.lost_d = deal(w.east_rep2, "Lost D", "P4", "3000000")
    opportunity_services.add_competitor(w.lost_d, w.rival, by=w.east_rep2)
    close(w.lost_d, "lost", "competitor-relationship", lost_to=w.other)
    w.won_e = deal(w.west_rep, "Won E", "P5", "4000000")
    close(w.won_e, "won", "relationship")
    w.last_year = deal(w.west_rep, "Old win", "P5")
    close(w.last_year, "won", "price", day="2025-06-10")
    return w


def analysis(client, **params):
    return client.get(reverse("planning_winloss:analysis"), {**PERIOD, **params})


def rows(response, section):
    return {row.label: row for row in getattr(response.context["result"], section)}


def test_the_company_by_every_breakdown(client, closes):
    client.force_login(closes.director)
    response = analysis(client)
    assert response.status_code == 200
    total = response.context["result"].total
    assert (total.won, total.lost, total.dropped) == (2, 2, 1)
    assert total.won_amount == Decimal("5000000.00") and total.lost_amount == Decimal("5000000.00")
    assert total.win_rate == Decimal("0.5000") and total.win_rate_text == "50 %"

    reasons = rows(response, "reasons")
    assert reasons["Best solution"].won == 1 and reasons["Price too high"].lost == 1
    assert reasons["Customer has no budget"].dropped == 1
    assert "Better price" not in reasons  # last year's close is outside the period
    # Listed in the outcome's order, then the list's.
    assert list(reasons)[:2] == ["Stronger relationships", "Best solution"]

    competitors = rows(response, "competitors")
    # Rival: on A (won) and D (lost to Other), and took B.
    assert (competitors["Rival Corp"].won, competitors["Rival Corp"].lost) == (1, 2)
    assert competitors["Rival Corp"].win_rate_text == "33.3 %"
    assert (competitors["Other Ltd"].won, competitors["Other Ltd"].lost) == (0, 1)

    stages = rows(response, "stages")
    p4 = next(row for label, row in stages.items() if label.startswith("P4 "))
    assert (p4.won, p4.lost) == (0, 2)
    # Won deals reached the won stage (P7) when they closed.
    p7 = next(row for label, row in stages.items() if label.startswith("P7 "))
    assert p7.won == 2
    assert [label[:2] for label in stages] == sorted(label[:2] for label in stages)

    reps = rows(response, "reps")
    assert (reps[str(closes.east_rep)].count, reps[str(closes.west_rep)].won) == (3, 1)
    teams = rows(response, "teams")
    assert (teams["East"].won, teams["East"].lost, teams["East"].dropped) == (1, 2, 1)
    assert teams["West"].win_rate_text == "100 %"


def test_a_manager_sees_only_their_teams_closes(client, closes):
    client.force_login(closes.east_mgr)
    response = analysis(client)
    total = response.context["result"].total
    assert total.count == 4
    assert "West" not in rows(response, "teams")
    body = response.content.decode()
    assert "Won E" not in body


def test_filters_narrow_the_deals(client, closes):
    client.force_login(closes.director)
    lost = analysis(client, outcome="lost").context["result"].total
    assert (lost.won, lost.lost) == (0, 2)
    rival = analysis(client, competitor=closes.rival.pk).context["result"].total
    assert (rival.won, rival.lost, rival.dropped) == (1, 2, 0)
    rep = analysis(client, owner=closes.east_rep2.pk).context["result"].total
    assert rep.count == 1
    team = analysis(client, team=closes.west.pk).context["result"].total
    assert (team.count, team.won) == (1, 1)


def test_bad_filters_are_explained(client, closes):
    client.force_login(closes.east_mgr)
    response = analysis(client, start="2026-13-01", team=closes.west.pk, outcome="open")
    assert response.status_code == 400
    errors = response.context["errors"]
    assert set(errors) == {"start", "team", "outcome"}
    assert "Write the date as YYYY-MM-DD" in response.content.decode()


def test_each_figure_links_to_the_deals_behind_it(client, closes):
    client.force_login(closes.director)
    response = analysis(client)
    rival = rows(response, "competitors")["Rival Corp"]
    listed = client.get(rival.links["lost"])
    names = {row["name"] for row in listed.context["rows"]}
    assert names == {"Lost B", "Lost D"}
    price = rows(response, "reasons")["Price too high"]
    assert {row["name"] for row in client.get(price.links["all"]).context["rows"]} == {"Lost B"}
    east = rows(response, "teams")["East"]
    east_deals = client.get(east.links["all"])
    assert east_deals.context["count"] == 4
    assert "Team: East" in east_deals.content.decode()
    stage = next(row for label, row in rows(response, "stages").items() if label.startswith("P4"))
    query = parse_qs(urlparse(stage.links["lost"]).query)
    assert query["reached"] == ["4"] and query["outcome"] == ["lost"]


def test_the_deals_list_pages_and_keeps_its_filters(client, closes):
    from kam.planning.winloss import views

    client.force_login(closes.director)
    original = views.DEALS_PAGE_SIZE
    views.DEALS_PAGE_SIZE = 2
    try:
        first = client.get(reverse("planning_winloss:deals"), PERIOD)
        assert first.context["count"] == 5 and first.context["pages"] == 3
        assert len(first.context["rows"]) == 2
        second = client.get(first.context["next_url"])
        assert second.context["page"] == 2
        assert "start=2026-01-01" in first.context["next_url"]
        seen = {row["name"] for row in first.context["rows"]} | {
            row["name"] for row in second.context["rows"]
        }
        third = client.get(second.context["next_url"])
        seen |= {row["name"] for row in third.context["rows"]}
        assert seen == {"Won A", "Lost B", "Dropped C", "Lost D", "Won E"}
    finally:
        views.DEALS_PAGE_SIZE = original


def test_the_pages_cost_a_fixed_number_of_queries(client, closes, django_assert_num_queries):
    client.force_login(closes.director)
    analysis(client)
    client.get(reverse("planning_winloss:deals"), PERIOD)
    with django_assert_num_queries(14):
        analysis(client)
    with django_assert_num_queries(10):
        client.get(reverse("planning_winloss:deals"), PERIOD)
    for index in range(6):
        more = deal(closes.west_rep, f"More {index}", "P2")
        opportunity_services.add_competitor(more, closes.other, by=closes.west_rep)
        close(more, "lost", "solution", lost_to=closes.rival)
    with django_assert_num_queries(14):
        analysis(client)
    with django_assert_num_queries(10):
        client.get(reverse("planning_winloss:deals"), PERIOD)


def test_excel_export_of_the_deals(client, closes):
    client.force_login(closes.east_mgr)
    response = client.get(reverse("planning_winloss:deals_export"), {**PERIOD, "outcome": "lost"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][1] == "Opportunity"
    assert {row[1] for row in values[1:]} == {"Lost B", "Lost D"}
    by_name = {row[1]: row for row in values[1:]}
    assert by_name["Lost B"][7] == "Price too high" and by_name["Lost B"][9] == "Rival Corp"
    assert by_name["Lost B"][12] == "no"


def test_json_figures_and_deals(closes, api_as):
    client = api_as(closes.east_mgr)
    figures = client.get("/planning/winloss", PERIOD)
    assert figures.status_code == 200, figures.content
    body = figures.json()
    assert (body["total"]["won"], body["total"]["lost"], body["total"]["dropped"]) == (1, 2, 1)
    rival = next(row for row in body["competitors"] if row["label"] == "Rival Corp")
    deals = client.get("/planning/winloss/deals", {**rival["deals"], "outcome": "lost"})
    assert {item["name"] for item in deals.json()["items"]} == {"Lost B", "Lost D"}
    assert deals.json()["count"] == 2
    bad = client.get("/planning/winloss", {"team": closes.west.pk})
    assert bad.status_code == 422 and "team" in bad.json()["errors"]
