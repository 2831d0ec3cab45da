"""The Health page's Excel export: the flagged rows the filters select with their flags, exact
yuan and a totals row; the counts by rule and by owner; only what the reader may see."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.core import sheets
from kam.insights.health import export

pytestmark = pytest.mark.django_db


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == sheets.XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="health-')
    book = load_workbook(io.BytesIO(response.content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_director_exports_every_flagged_deal_with_flags_and_totals(client, flagged):
    client.force_login(flagged.director)
    sheets_ = workbook(client.get(reverse("health:export")))
    rows = sheets_["Flagged opportunities"]
    assert rows[0] == [column.title for column in export.columns()]
    names = [row[3] for row in rows[1:-1]]
    assert names == ["East furnace", "West turbine"]  # worst first
    east = rows[1]
    assert east[0] == "Critical" and "sign date" in east[1].lower()
    assert east[8] == 1000000
    assert rows[-1][0] == "Total (exported rows)" and rows[-1][8] == 1000000  # the other has no amount
    by_owner = sheets_["By owner"]
    assert by_owner[-1][0] == "Total" and by_owner[-1][4] == 2


def test_rep_exports_only_their_own_flagged_deals(client, flagged):
    client.force_login(flagged.west_rep)
    rows = workbook(client.get(reverse("health:export")))["Flagged opportunities"]
    assert [row[3] for row in rows[1:-1]] == ["West turbine"]
    assert "East furnace" not in {row[3] for row in rows}


def test_filters_apply_to_the_export(client, flagged):
    client.force_login(flagged.director)
    rows = workbook(client.get(reverse("health:export"), {"severity": "info"}))["Flagged opportunities"]
    assert [row[3] for row in rows[1:-1]] == ["West turbine"]


def test_health_page_links_the_export_with_its_filters(client, flagged):
    client.force_login(flagged.director)
    html = client.get(reverse("health:page"), {"severity": "info"}).content.decode()
    assert reverse("health:export") + "?severity=info" in html
