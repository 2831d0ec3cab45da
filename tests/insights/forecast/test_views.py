"""The forecast page and its Excel export against the hand-computed data set of conftest.py: the
table and chart, bad periods, units, quick links, translated headers, query counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kam.org.models import Target
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db


def test_forecast_page_renders_table_and_chart_data(client, forecast_world):
    client.force_login(forecast_world.director)
    response = client.get("/insights/forecast/", {"p": "2027 Q2", "group": "team"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "forecast-data" in body and "East" in body and "¥1,350,000.00" in body


def test_forecast_page_bad_period_is_a_message_not_an_error(client, forecast_world):
    client.force_login(forecast_world.director)
    response = client.get("/insights/forecast/", {"p": "someday"})
    assert response.status_code == 200
    assert "Write a period as" in response.content.decode()


def test_chart_unit_in_10k_yuan_in_chinese(client, forecast_world, settings):
    client.force_login(forecast_world.director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/insights/forecast/", {"p": "2027 Q2", "unit": "wan"})
    chart = response.context["chart"]
    assert response.context["unit"] == "wan"
    assert "135.00" in chart["series"]["weighted"]
    assert "万元" in chart["title"] or "10k" in chart["title"]


def test_excel_export_content_and_formula_prefix(client, forecast_world):
    w = forecast_world
    make_opportunity(
        owner=w.west_rep,
        customer=CustomerFactory(name='=HYPERLINK("x")', owner=w.west_rep),
        stage_code="P1",
        amount=Decimal("1000"),
        sign_date=dt.date(2027, 5, 5),
    )
    client.force_login(w.director)
    response = client.get("/insights/forecast/export.xlsx", {"p": "2027 Q2", "group": "customer"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    labels = [r[0] for r in rows[2:]]
    assert '\'=HYPERLINK("x")' in labels
    east_steel = next(r for r in rows if r[0] == "East Steel")
    assert Decimal(str(east_steel[6])) == Decimal("1300000")  # weighted column
    assert rows[-1][0] == "Total"


def _many(world, n):
    for i in range(n):
        make_opportunity(
            owner=world.east_rep if i % 2 else world.west_rep,
            customer=world.east_customer if i % 2 else world.west_customer,
            stage_code=["P1", "P3", "P5"][i % 3],
            name=f"Bulk {i}",
            sign_date=dt.date(2027, 4 + i % 3, 10),
        )


@pytest.mark.parametrize(
    "path", ["/insights/forecast/?p=2027+Q2", "/insights/forecast/?p=2027+Q2&group=rep", "/insights/funnel/"]
)
def test_page_query_count_does_not_grow_with_opportunities(client, world, django_assert_num_queries, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.east_mgr)
    _many(world, 10)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _many(world, 50)
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200
    assert len(small) == len(large)


def test_excel_export_speaks_the_pages_words_and_shows_attainment_as_percent(client, forecast_world):
    from django.conf import settings

    w = forecast_world
    Target.objects.create(
        user=w.east_rep,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 6, 30),
        amount=Decimal("1000000"),
    )
    client.force_login(w.director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/insights/forecast/export.xlsx", {"p": "2027 Q2", "group": "rep"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    assert "项目金额" in header and "项目一览" not in header
    column = header.index("完成率") + 1
    assert all(sheet.cell(row=r, column=column).number_format == "0.0%" for r in range(3, sheet.max_row + 1))
    assert any(sheet.cell(row=r, column=column).value is not None for r in range(3, sheet.max_row + 1))


def test_quick_period_links_keep_grouping_buckets_and_unit(client, forecast_world):
    from django.conf import settings

    client.force_login(forecast_world.director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(
        "/insights/forecast/", {"p": "2027", "group": "team", "bucket": "month", "unit": "wan"}
    )
    links = [href for _label, href in response.context["quick_links"]]
    assert len(links) == 5
    for href in links:
        assert "group=team" in href and "bucket=month" in href and "unit=wan" in href
    assert any("p=next_year" in href for href in links)
