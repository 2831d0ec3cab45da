"""In a real browser at a desk (1,440 × 900): the pipeline table and the forecast page fit without
sideways scrolling, the board's P7 column can be reached, and the move dialog lists the open exit
criteria of the stage being left before the move."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.opportunities import services
from kam.opportunities.models import ExitCriterion, OpportunityStatus
from kam.org.models import Role, Target
from tests.e2e.conftest import login
from tests.e2e.test_board import drag_card_to_stage
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def desk(page, live_server):
    """A manager's team with long customer names and a deal in every stage P0–P7."""
    ensure_sales_processes()
    team = TeamFactory(name="East")
    manager = UserFactory(username="desk_mgr", role=Role.MANAGER, team=team)
    team.manager = manager
    team.save()
    rep = UserFactory(username="desk_rep", role=Role.REP, team=team)
    customers = [
        CustomerFactory(owner=rep, name="华能国际电力股份有限公司上海石洞口第二电厂"),
        CustomerFactory(owner=rep, name="Shanghai Electric Power Co., Ltd."),
    ]
    for n, code in enumerate(["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]):
        make_opportunity(
            owner=rep,
            customer=customers[n % 2],
            name=f"Boiler retrofit and flue gas desulphurisation line {n}",
            stage_code=code,
            amount=Decimal("144553500.00") + n,
            sign_date=dt.date.today() + dt.timedelta(days=20 + n),
        )
    today = dt.date.today()
    won = make_opportunity(
        owner=rep, customer=customers[0], name="Won already", stage_code="P5", sign_date=today
    )
    services.close_opportunity(won, by=rep, status=OpportunityStatus.WON, reason="signed")
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    Target.objects.create(
        user=rep, period_start=quarter_start, period_end=quarter_start + dt.timedelta(days=89), amount=1
    )
    page.set_viewport_size(DESK)
    login(page, live_server, manager.username, PASSWORD, language="en")
    return live_server


def test_pipeline_table_fits_a_desk_and_names_get_the_width(page, desk):
    page.goto(f"{desk.url}/opportunities/")
    page.wait_for_selector("#pipeline-results tbody tr")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # The table itself fits too (no scrolling inside its box either).
    assert page.evaluate(
        "() => { const w = document.querySelector('#pipeline-results .table-wrap');"
        " return w.scrollWidth <= w.clientWidth + 1; }"
    )
    # A long customer name takes at most two lines.
    heights = page.evaluate(
        "() => [...document.querySelectorAll('#pipeline-results tbody tr')].map(row => {"
        " const link = row.querySelector('a[href^=\"/customers/\"]');"
        " return link.getClientRects().length; })"
    )
    assert max(heights) <= 2, heights


def test_forecast_page_fits_a_desk(page, desk):
    page.goto(f"{desk.url}/insights/forecast/?group=rep")
    page.wait_for_selector("table.forecast tbody tr")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # The rep's target is passed: the gap reads as "exceeded by".
    assert "exceeded by" in page.inner_text("table.forecast tbody")


def test_board_reaches_p7_and_the_move_dialog_lists_open_exit_criteria(page, desk):
    page.goto(f"{desk.url}/opportunities/board/")
    page.wait_for_selector("#board .column[data-stage-code='P7'] .opp-card")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    last = page.locator("#board .column[data-stage-code='P7']")
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= DESK["width"]
    # The move dialog, opened by dragging a P0 card to P1, names P0's unchecked exit criteria.
    criteria = list(
        ExitCriterion.objects.filter(stage__code="P0", stage__process__is_default=True).order_by("order")
    )
    assert criteria
    drag_card_to_stage(page, "line 0", "P1")
    page.locator("#move-dialog").wait_for(state="visible")
    page.wait_for_selector("#move-dialog .open-criteria li")
    listed = page.inner_text("#move-dialog .open-criteria")
    assert all(c.display_text in listed for c in criteria), listed
