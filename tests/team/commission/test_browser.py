"""In a real browser: open a commission statement and follow a figure (a line's commission) to the
deal behind it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.org.models import Role
from kam.team.commission import services
from kam.team.commission.services import BandSpec
from tests.browser import login
from tests.factories import PASSWORD, TeamFactory, UserFactory, ensure_sales_processes
from tests.team.commission.helpers import Q3_END, Q3_START, won

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_follow_a_statement_figure_to_its_deal(page, live_server):
    ensure_sales_processes()
    team = TeamFactory(name="East")
    manager = UserFactory(username="com_mgr", role=Role.MANAGER, team=team)
    team.manager = manager
    team.save()
    rep = UserFactory(username="com_rep", role=Role.REP, team=team)
    admin = UserFactory(username="com_admin", role=Role.ADMIN, is_superuser=True, is_staff=True)
    services.create_plan(
        by=admin,
        name="Sales",
        bands=[BandSpec(Decimal("0"), Decimal("2")), BandSpec(Decimal("1000000"), Decimal("3"))],
        people=[rep],
    )
    deal = won(rep, "1500000", dt.date(2026, 8, 1), name="Blast furnace upgrade")
    statement = services.create_statement(rep, by=manager, period_start=Q3_START, period_end=Q3_END)

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/team/commission/statements/{statement.pk}/")
    figures = page.locator("#statement-lines a.line-figure")
    assert figures.all_inner_texts() == ["¥20,000.00", "¥15,000.00"]
    figures.nth(1).click()
    page.wait_for_url(f"{live_server.url}/opportunities/{deal.pk}/")
    assert "Blast furnace upgrade" in page.locator("h1").first.inner_text()
