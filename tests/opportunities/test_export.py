"""The pipeline table's Excel export: the filtered rows or the ticked ones, the table's columns with
exact yuan, a totals row, visibility, the row cap, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kam.core import sheets
from kam.opportunities import export
from kam.opportunities.models import Opportunity
from kam.opportunities.selectors import PipelineFilters
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == sheets.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def headers() -> list[str]:
    return [column.title for column in export.columns()]


def test_export_of_the_filtered_table_has_its_columns_exact_yuan_and_a_totals_row(client, world):
    exact = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, name="Kiln", amount=Decimal("1234567.89")
    )
    Opportunity.objects.filter(pk=exact.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=12))
    client.force_login(world.east_mgr)
    response = client.get(reverse("opportunities:export"), {"sort": "name"})
    assert response["Content-Disposition"].startswith('attachment; filename="pipeline-')
    rows = workbook_rows(response)
    assert rows[0] == headers()
    names = [row[1] for row in rows[1:-1]]
    # The east manager sees the east team's deals only, in the table's order.
    assert names == ["East furnace", "East rolling mill", "Kiln"]
    kiln = rows[3]
    amount = headers().index("Amount (yuan)")
    assert kiln[amount] == pytest.approx(1234567.89)
    assert kiln[headers().index("Days in stage")] == 12
    assert kiln[headers().index("Customer")] == "East Steel"
    assert kiln[headers().index("Relationship")] == "—"  # no requirement applies at P0
    total = rows[-1]
    assert total[0] == "Total (exported rows)"
    assert total[amount] == pytest.approx(float(Decimal("1234567.89") + 2 * Decimal("1000000")))
    assert "West turbine" not in {row[1] for row in rows}


def test_export_of_ticked_rows_keeps_only_those_the_user_sees(client, world):
    client.force_login(world.east_rep)
    response = client.get(
        reverse("opportunities:export"),
        {"selected": "1", "ids": [world.east_opp.pk, world.west_opp.pk, "junk"]},
    )
    assert response["Content-Disposition"].startswith('attachment; filename="pipeline-selected-')
    rows = workbook_rows(response)
    assert [row[1] for row in rows[1:-1]] == ["East furnace"]
    assert rows[-1][headers().index("Amount (yuan)")] == 1000000


def test_export_selected_without_ticks_goes_back_with_a_message(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:export"), {"selected": "1", "status": "open"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("opportunities:pipeline"))
    assert "Tick the rows to export first." in response.content.decode()


def test_export_refuses_a_filter_it_cannot_read(client, world):
    client.force_login(world.director)
    response = client.get(reverse("opportunities:export"), {"sign_quarter": "next year"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("opportunities:pipeline"))


def test_export_stops_at_the_cap_and_says_so(world):
    for n in range(3):
        make_opportunity(owner=world.east_rep, customer=world.east_customer, name=f"Extra {n}")
    content, _name = export.pipeline_xlsx(world.director, PipelineFilters(status="open"), "name", limit=4)
    rows = [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert len(rows) == 1 + 4 + 1 + 1  # headers, the cap, totals, the message
    assert rows[-1][0].startswith("The export stops at 4 rows")


def test_export_costs_the_same_queries_for_more_rows(client, world, django_assert_max_num_queries):
    client.force_login(world.director)
    url = reverse("opportunities:export")
    client.get(url)
    for n in range(20):
        make_opportunity(owner=world.west_rep, customer=world.west_customer, name=f"More {n}")
    with django_assert_max_num_queries(14):
        rows = workbook_rows(client.get(url))
    assert len(rows) == 1 + 23 + 1


def test_pipeline_page_offers_the_exports_and_the_new_column(client, world):
    Opportunity.objects.filter(pk=world.east_opp.pk).update(
        stage_entered_at=timezone.now() - dt.timedelta(days=40)
    )
    client.force_login(world.east_rep)
    html = client.get(reverse("opportunities:pipeline")).content.decode()
    assert reverse("opportunities:export") + "?" in html
    assert f'name="ids" value="{world.east_opp.pk}"' in html
    assert "Export selected rows to Excel" in html
    assert '<td class="num days-in-stage">40</td>' in html
    # No relationship requirement applies to a P0 deal: a dash, not a green 100 %.
    assert "100%" not in html
