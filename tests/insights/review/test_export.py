"""What changed, as an Excel workbook: the summary per section and every changed deal, before and
after in exact yuan, for the snapshots compared; only the deals the reader may see."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.core import sheets
from kam.insights.review import export

pytestmark = pytest.mark.django_db


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == sheets.XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="changes-')
    book = load_workbook(io.BytesIO(response.content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _table(rows):
    """The rows below the headers (the sheet starts with a title, the compared moments, a blank)."""
    start = next(i for i, row in enumerate(rows) if row and row[0] in ("Change",))
    return rows[start], rows[start + 1 :]


def test_director_exports_the_latest_two_snapshots_changes(client, world, two_weeks):
    client.force_login(world.director)
    book = workbook(client.get(reverse("analysis:changes_export")))
    headers, rows = _table(book["Opportunities"])
    assert headers == [column.title for column in export.change_columns()]
    by_name = {row[2]: row for row in rows}
    assert by_name["East furnace"][0] == "Advanced" and by_name["East furnace"][5:7] == ["P0", "P1"]
    assert by_name["West turbine"][6] == "Won" and by_name["West turbine"][7] == 1000000
    assert by_name["fresh"][8] == 7
    summary_headers, summary = _table(book["Summary"])
    assert summary_headers[:2] == ["Change", "Count"]
    assert {row[0]: row[1] for row in summary}["Won"] == 1


def test_a_rep_exports_only_their_deals(client, world, two_weeks):
    client.force_login(world.east_rep2)
    _headers, rows = _table(workbook(client.get(reverse("analysis:changes_export")))["Opportunities"])
    assert [row[2] for row in rows] == ["fresh"]


def test_without_snapshots_the_export_goes_back_to_the_page(client, world):
    client.force_login(world.director)
    response = client.get(reverse("analysis:changes_export"))
    assert response.status_code == 302 and response["Location"] == reverse("analysis:changes")


def test_changes_page_links_the_export_of_what_it_compares(client, world, two_weeks):
    before, after = two_weeks
    client.force_login(world.director)
    html = client.get(reverse("analysis:changes")).content.decode()
    assert f"{reverse('analysis:changes_export')}?a={before.pk}&amp;b={after.pk}" in html
