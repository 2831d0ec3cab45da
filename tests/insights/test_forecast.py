"""Forecast figures against the hand-computed data set of conftest.py."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kam.core.excel import safe_cell
from kam.insights.forecast.periods import choose_period
from kam.insights.forecast.selectors import forecast, run_forecast_sql
from kam.insights.review import services as review_services
from kam.org.models import Target
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db
Q2 = {"start": dt.date(2027, 4, 1), "end": dt.date(2027, 6, 30)}


def by_label(result):
    return {g.label: g for g in result.groups}


def test_weighted_pipeline_categories_and_won_per_team_in_a_quarter(forecast_world):
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    east, west = groups["East"].figures, groups["West"].figures
    assert east.weighted == Decimal("1350000.00")
    assert east.open_amount == Decimal("2600000.00")
    assert (east.commit, east.best_case, east.pipeline) == (
        Decimal(0),
        Decimal("2400000.00"),
        Decimal("200000.00"),
    )
    assert east.won == Decimal(0)
    assert west.weighted == Decimal("180000.00")
    assert west.commit == Decimal("600000.00")
    assert west.won == Decimal("800000.00")
    assert (west.open_count, west.won_count) == (1, 1)


def test_lost_opportunities_never_count(forecast_world):
    result = forecast(None, "team", "quarter", **Q2)
    assert result.totals.open_amount == Decimal("3200000.00")
    assert result.totals.won == Decimal("800000.00")


def test_quarter_boundaries_bucket_by_sign_date(forecast_world):
    result = forecast(None, "team", "quarter", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    assert result.periods == [20271, 20272, 20273]
    assert result.by_period[20271].open_amount == Decimal("3000000.00")  # 03-31 stays in Q1
    assert result.by_period[20272].weighted == Decimal("1530000.00")  # 04-01 and 06-30 are Q2
    assert result.by_period[20273].omitted == Decimal("300000.00")  # 07-01 is Q3
    assert result.period_label(20273) == "2027 Q3"


def test_month_and_year_buckets(forecast_world):
    months = forecast(None, "team", "month", **Q2)
    assert months.periods == [202704, 202705, 202706]
    assert months.by_period[202706].best_case == Decimal("400000.00")
    years = forecast(None, "team", "year")
    assert years.periods == [2027]
    assert years.totals.weighted == Decimal("300000") + Decimal("1530000") + Decimal("60000")


def test_grouping_by_rep_customer_and_product_line(forecast_world):
    w = forecast_world
    reps = {g.key: g.figures for g in forecast(None, "rep", "quarter", **Q2).groups}
    assert reps[w.east_rep.pk].weighted == Decimal("1300000.00")
    assert reps[w.east_rep2.pk].pipeline == Decimal("200000.00")
    customers = by_label(forecast(None, "customer", "quarter", **Q2))
    assert customers["North Mill"].figures.open_amount == Decimal("200000.00")
    lines = by_label(forecast(None, "product_line", "quarter", **Q2))
    assert lines["Furnace"].figures.best_case == Decimal("2400000.00")
    assert lines["Turbine"].figures.won == Decimal("800000.00")


def test_raw_sql_twin_gives_the_same_numbers(forecast_world):
    orm = forecast(None, "team", "quarter").rows
    raw = run_forecast_sql("quarter")
    assert [(r["period_key"], r["group_key"]) for r in orm] == [(r[0], r[1]) for r in raw]
    for o, r in zip(orm, raw, strict=True):
        assert Decimal(o["weighted"] or 0) == Decimal(r[2] or 0)
        assert Decimal(o["won"] or 0) == Decimal(r[8] or 0)


def test_rep_sees_only_own_and_manager_the_team(forecast_world):
    w = forecast_world
    rep = forecast(w.east_rep2, "team", "quarter", **Q2)
    assert rep.totals.open_amount == Decimal("200000.00")
    manager = by_label(forecast(w.east_mgr, "team", "quarter", **Q2))
    assert set(manager) == {"East"}
    assert manager["East"].figures.open_amount == Decimal("2600000.00")


def test_attainment_gap_and_coverage_from_targets_inside_the_period(forecast_world):
    w = forecast_world
    Target.objects.create(
        team=w.west,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 6, 30),
        amount=Decimal("1000000"),
    )
    Target.objects.create(
        team=w.west, period_start=dt.date(2027, 7, 1), period_end=dt.date(2027, 9, 30), amount=Decimal("9")
    )
    Target.objects.create(
        team=w.east,
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2027, 4, 30),
        amount=Decimal("100000"),
    )
    Target.objects.create(
        team=w.east,
        period_start=dt.date(2027, 5, 1),
        period_end=dt.date(2027, 5, 31),
        amount=Decimal("100000"),
    )
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    west = groups["West"].target
    assert west.target == Decimal("1000000.00")
    assert west.attainment == Decimal("0.8000")
    assert west.gap == Decimal("200000.00")
    assert west.coverage == Decimal("3.00")  # 600,000 open ÷ 200,000 remaining
    assert groups["East"].target.target == Decimal("200000.00")  # two months inside the quarter


def test_target_met_means_no_coverage_and_no_division_by_zero(forecast_world):
    w = forecast_world
    Target.objects.create(
        team=w.west, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("800000")
    )
    Target.objects.create(team=w.east, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("0"))
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    assert groups["West"].target.remaining == Decimal("0.00")
    assert groups["West"].target.coverage is None
    assert groups["East"].target.attainment is None
    assert groups["East"].target.coverage is None


def test_a_team_with_a_target_but_no_opportunities_shows_its_whole_gap(forecast_world):
    from tests.factories import TeamFactory

    north = TeamFactory(name="North")
    Target.objects.create(team=north, period_start=Q2["start"], period_end=Q2["end"], amount=Decimal("500"))
    groups = by_label(forecast(None, "team", "quarter", **Q2))
    assert groups["North"].target.gap == Decimal("500.00")


def test_choose_period_reads_quarters_months_and_years():
    assert choose_period(text="27.Q3").start == dt.date(2027, 7, 1)
    assert choose_period(text="2027-02").end == dt.date(2027, 2, 28)
    assert choose_period(text="2027").end == dt.date(2027, 12, 31)
    assert choose_period("quarter", today=dt.date(2026, 11, 25)).label == "2026 Q4"
    with pytest.raises(ValueError):
        choose_period(text="soon")
    # Zero is a bad part, not a missing one: no silent "this month" or "this year".
    for text in ("2027-00", "0000"):
        with pytest.raises(ValueError):
            choose_period(text=text)


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


@pytest.mark.parametrize("text", ["=1+1", "+x", "-x", "@x", "\tx"])
def test_safe_cell_prefixes_formula_starters(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("East") == "East"


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

    from kam.org.models import Target

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


def test_weekly_review_picker_says_from_and_to_of_a_period(client, world):
    from django.conf import settings

    review_services.take_snapshot(by=world.director)  # the picker shows once there is something to compare
    client.force_login(world.director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get("/insights/changes/").content.decode()
    picker = body[body.index('class="filters no-print analysis-picker"') :]
    picker = picker[: picker.index("</form>")]
    assert "<label>起" in picker and "<label>至" in picker and "新阶段" not in picker


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
