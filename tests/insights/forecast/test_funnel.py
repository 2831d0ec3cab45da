"""Funnel counts, amounts and conversion from constructed stage histories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.forecast.funnel import funnel
from kam.opportunities import services
from tests.factories import approve_initiation, make_opportunity, stage

pytestmark = pytest.mark.django_db


def move(opportunity, code, by, note=""):
    return services.move_stage(
        opportunity, stage(code), by=by, key_node_confirmed=True, note=note or "back"
    ).opportunity


def by_code(result):
    return {s.stage.code: s for s in result}


@pytest.fixture
def histories(world):
    w = world
    # the world's three opportunities sit at P0 (reached P0 only)
    a = make_opportunity(owner=w.east_rep, customer=w.east_customer, name="a", amount=Decimal("100"))
    a = move(move(a, "P1", w.east_rep), "P2", w.east_rep)  # reached P2
    b = make_opportunity(owner=w.east_rep, customer=w.east_customer, name="b", amount=Decimal("200"))
    approve_initiation(b)
    b = move(
        move(move(b, "P1", w.east_rep), "P3", w.east_rep), "P1", w.east_rep, "went cold"
    )  # back to P1, reached P3
    c = make_opportunity(
        owner=w.west_rep, customer=w.west_customer, name="c", stage_code="P5", amount=Decimal("500")
    )
    services.close_opportunity(c, by=w.west_rep, status="lost", reason="price")  # reached P5, closed
    return w


def test_open_count_and_amount_per_stage(histories):
    stages = by_code(funnel(None))
    assert (stages["P0"].open_count, stages["P0"].open_amount) == (3, Decimal("3000000.00"))
    assert (stages["P1"].open_count, stages["P1"].open_amount) == (1, Decimal("200.00"))
    assert (stages["P2"].open_count, stages["P2"].open_amount) == (1, Decimal("100.00"))
    assert stages["P5"].open_count == 0  # the lost one is not open


def test_conversion_counts_highest_stage_reached_even_after_a_move_back(histories):
    stages = by_code(funnel(None))
    assert [stages[c].reached for c in ("P0", "P1", "P2", "P3", "P4", "P5", "P6")] == [6, 3, 3, 2, 1, 1, 0]
    assert stages["P0"].conversion == Decimal("0.5000")
    assert stages["P1"].conversion == Decimal("1.0000")
    assert stages["P2"].conversion == Decimal("0.6667")
    assert stages["P5"].conversion == Decimal("0.0000")
    assert stages["P7"].conversion is None


def test_stages_keep_process_order(histories):
    assert [s.stage.code for s in funnel(None)] == ["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]


def test_funnel_respects_visibility(histories):
    w = histories
    stages = by_code(funnel(w.west_rep))
    assert stages["P0"].reached == 2 and stages["P5"].reached == 1
    assert stages["P1"].open_count == 0


def test_funnel_of_another_process(world):
    from kam.opportunities.models import SalesProcess

    process = SalesProcess.objects.get(code="project-sale")
    assert funnel(None, process)[0].stage.process_id == process.pk
    assert all(s.open_count == 0 for s in funnel(None, process))


def test_funnel_page_shows_stages_and_chart(client, histories):
    client.force_login(histories.director)
    response = client.get("/insights/funnel/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "funnel-data" in body and "P7" in body and "67 %" in body
    assert client.get("/insights/funnel/", {"process": "project-sale"}).status_code == 200


def test_funnel_without_dates_is_fine(world):
    assert funnel(None)[0].reached == 3
    _ = dt.date.today()
