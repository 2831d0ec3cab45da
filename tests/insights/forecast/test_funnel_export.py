"""The funnel's Excel export and its chart data: per stage the open deals, their exact amount, the
deals that reached it and the conversion; the chart narrows (reached, not open, per stage)."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.core import sheets
from kam.insights.forecast import funnel_export
from kam.opportunities import services
from tests.factories import make_opportunity, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(world):
    """east_opp moved to P2 (so it reached P1 and P2); a second west deal at P1."""
    services.move_stage(world.east_opp, stage("P2"), by=world.east_rep, key_node_confirmed=True)
    make_opportunity(owner=world.west_rep, customer=world.west_customer, name="West boiler", stage_code="P1")
    return world


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == sheets.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Stage")
    return rows[start], rows[start + 1 :]


def test_funnel_export_has_reached_counts_exact_amounts_and_totals(client, moved):
    client.force_login(moved.director)
    headers, rows = rows_of(client.get(reverse("forecast:funnel_export")))
    assert headers == [column.title for column in funnel_export.columns()]
    by_code = {row[0].split()[0]: row for row in rows[:-1]}
    assert by_code["P0"][4] == 4 and by_code["P1"][4] == 2 and by_code["P2"][4] == 1
    assert by_code["P0"][2] == 2 and by_code["P0"][3] == 2000000
    assert by_code["P0"][5] == pytest.approx(0.5)
    assert rows[-1][0] == "Total" and rows[-1][2] == 4 and rows[-1][3] == 4000000


def test_a_rep_exports_only_their_funnel(client, moved):
    client.force_login(moved.west_rep)
    _headers, rows = rows_of(client.get(reverse("forecast:funnel_export")))
    assert rows[-1][2] == 2  # the west rep's two deals, not the east's


def test_funnel_chart_narrows_from_stage_to_stage(client, moved):
    client.force_login(moved.director)
    html = client.get(reverse("forecast:funnel")).content.decode()
    start = html.index('id="funnel-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    reached = [s["reached"] for s in data["stages"]]
    assert reached[:3] == [4, 2, 1]
    assert all(a >= b for a, b in zip(reached, reached[1:], strict=False))
    assert reverse("forecast:funnel_export") in html
