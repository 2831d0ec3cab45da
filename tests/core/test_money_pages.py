"""Pages in the reader's unit: lists, cards and reports in 元 or 万元, the deal's header in exact
yuan, chart pages told the unit, and the unit costing no query."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core.money_unit import MoneyUnit
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

WAN_AMOUNT = '<span class="money" title="¥144,553,500.00">14,455.35 万</span>'


@pytest.fixture
def big_deal(world):
    return make_opportunity(
        owner=world.east_rep, customer=world.east_customer, name="Blast furnace", amount=Decimal("144553500")
    )


def choose(user, unit: str) -> None:
    user.money_unit = unit
    user.save(update_fields=["money_unit"])


def test_pipeline_in_wan_shows_wan_with_the_exact_yuan_as_title(client, world, big_deal):
    choose(world.east_rep, MoneyUnit.WAN)
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert WAN_AMOUNT in body
    assert ">¥144,553,500.00<" not in body


def test_pipeline_in_yuan_shows_exact_yuan(client, world, big_deal):
    choose(world.east_rep, MoneyUnit.YUAN)
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert "¥144,553,500.00" in body
    assert "14,455.35 万" not in body


def test_chinese_readers_get_wan_unless_they_chose_yuan(client, world, big_deal):
    client.force_login(world.east_rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert '<html lang="zh-hans">' in body and WAN_AMOUNT in body
    choose(world.east_rep, MoneyUnit.YUAN)
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert "14,455.35 万" not in body and "¥144,553,500.00" in body


def test_board_card_shows_a_range_in_wan_on_one_line(client, world):
    make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        name="Ranged",
        amount=None,
        amount_low=Decimal("100000"),
        amount_high=Decimal("300000"),
    )
    choose(world.east_rep, MoneyUnit.WAN)
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:board")).content.decode()
    assert (
        '<span class="amount"><span class="money" title="¥100,000.00–¥300,000.00">10.00–30.00 万</span></span>'
        in body
    )
    assert '<span class="column-amount"><span class="money" title="' in body  # the stage's total too


def test_the_deals_own_header_keeps_exact_yuan(client, world, big_deal):
    choose(world.east_rep, MoneyUnit.WAN)
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:detail", args=[big_deal.pk])).content.decode()
    assert "<dd>¥144,553,500.00" in body
    assert "14,455.35 万" not in body


def test_a_chart_page_is_told_the_unit(client, world, big_deal):
    choose(world.east_rep, MoneyUnit.WAN)
    client.force_login(world.east_rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("forecast:page")).content.decode()
    assert 'data-money-unit="wan" data-money-suffix="万" data-money-name="万元"' in body
    assert "js/money.js" in body and "js/forecast.js" in body
    choose(world.east_rep, MoneyUnit.YUAN)
    body = client.get(reverse("forecast:page")).content.decode()
    assert 'data-money-unit="yuan" data-money-suffix="" data-money-name="元"' in body


def _pipeline_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("opportunities:pipeline")).status_code == 200
    return len(queries)


def test_the_unit_costs_no_query_on_the_pipeline(client, world, big_deal, django_assert_max_num_queries):
    client.force_login(world.east_rep)
    choose(world.east_rep, MoneyUnit.YUAN)
    in_yuan = _pipeline_queries(client)
    choose(world.east_rep, MoneyUnit.WAN)
    assert _pipeline_queries(client) == in_yuan
    for n in range(10):
        make_opportunity(
            owner=world.east_rep, customer=world.east_customer, name=f"More {n}", amount=Decimal(n)
        )
    # Ten more rows, each with amounts in 万: still the same queries as one row in yuan.
    with django_assert_max_num_queries(in_yuan):
        body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert body.count('<span class="money"') >= 12
