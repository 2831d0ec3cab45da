"""In a real browser: chart axes and tooltips speak the reader's unit, as the tables do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.core.money_unit import MoneyUnit
from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep():
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="money_rep", role=Role.REP, team=team)
    customer = CustomerFactory(owner=rep, name="Anshan Steel")
    today = timezone.localdate()
    for index, stage_code in enumerate(["P1", "P3", "P5"]):
        make_opportunity(
            owner=rep,
            customer=customer,
            stage_code=stage_code,
            name=f"Line {index}",
            amount=Decimal(144_553_500 * (index + 1)),
            sign_date=today + dt.timedelta(days=20 * index),
        )
    return rep


@pytest.mark.parametrize(
    ("unit", "language", "tooltip", "axis_mark"),
    [(MoneyUnit.WAN, "zh-hans", "14,455.35 万", " 万"), (MoneyUnit.YUAN, "zh-hans", "¥144,553,500.00", "¥")],
)
def test_the_forecast_chart_speaks_the_readers_unit(
    page, live_server, rep, unit, language, tooltip, axis_mark
):
    rep.money_unit = unit
    rep.save(update_fields=["money_unit"])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, rep.username, PASSWORD, language=language)
    page.goto(live_server.url + "/insights/forecast/")
    page.wait_for_selector("#forecast-chart svg text")
    assert errors == []
    assert page.evaluate("window.kamMoney.format(144553500)") == tooltip
    assert page.evaluate("window.kamMoney.format(-0.001)") in ("0.00 万", "¥0.00")
    labels = page.locator("#forecast-chart svg text").all_text_contents()
    assert any(axis_mark in text for text in labels), labels
