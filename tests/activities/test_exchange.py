"""Excel out (the filtered rows) and in (the template, row errors naming row and column, all or nothing)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from kam.activities import services
from kam.activities.exchange import reader
from kam.activities.exchange.columns import COLUMNS
from kam.activities.models import Activity
from tests.activities.conftest import hours_ago
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))


def test_export_has_exactly_the_filtered_rows(client, world, visit, call):
    for i in range(4):
        services.create_activity(
            by=world.east_rep,
            kind=visit,
            customer=world.east_customer,
            start=hours_ago(i + 1),
            summary=f"Visit {i}",
        )
    services.create_activity(
        by=world.east_rep, kind=call, customer=world.east_customer, start=hours_ago(1), summary="Call"
    )
    services.create_activity(
        by=world.west_rep, kind=visit, customer=world.west_customer, start=hours_ago(1), summary="West"
    )
    client.force_login(world.east_rep)
    rows = sheet_rows(client.get(f"/activities/export.xlsx?kind={visit.pk}").content)
    summaries = sorted(row[COLUMNS.index("summary")] for row in rows[1:])
    assert summaries == ["Visit 0", "Visit 1", "Visit 2", "Visit 3"]
    page = client.get(f"/activities/?kind={visit.pk}").content.decode()
    assert page.count("Visit ") >= 4 and "West" not in page


def test_the_template_imports_unchanged(client, world):
    client.force_login(world.east_rep)
    template = client.get("/activities/import/template.xlsx")
    assert template.status_code == 200
    response = client.post("/activities/import/", {"file": SimpleUploadedFile("t.xlsx", template.content)})
    assert response.status_code == 200, response.content.decode()[-3000:]
    activity = Activity.objects.get()
    assert activity.customer == world.east_customer and activity.owner == world.east_rep


def test_an_exported_list_imports_again(client, world, visit):
    contact = ContactFactory(customer=world.east_customer, name="Li Ming")
    services.create_activity(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        start=hours_ago(5),
        summary="Round trip",
        contacts=[contact],
        opportunity=world.east_opp,
        our_people=[world.east_rep2],
    )
    client.force_login(world.east_rep)
    exported = client.get("/activities/export.xlsx").content
    result = reader.import_activities(exported, by=world.east_rep)
    assert result.ok, result.errors
    copy = Activity.objects.order_by("-id").first()
    assert (copy.summary, copy.opportunity, list(copy.contacts.all()), list(copy.our_people.all())) == (
        "Round trip",
        world.east_opp,
        [contact],
        [world.east_rep2],
    )


def test_row_errors_name_row_and_column_and_nothing_is_imported(world, visit):
    header = list(COLUMNS)
    good = {"customer": "East Steel", "kind": "visit", "start": "2026-01-05 10:00", "summary": "Fine"}
    bad_customer = {**good, "customer": "West Power"}
    bad_duration = {**good, "duration_minutes": 5000}
    rows = [header] + [[r.get(k, "") for k in header] for r in (good, bad_customer, bad_duration)]
    result = reader.import_activities(workbook(rows), by=world.east_rep)
    assert not result.ok
    assert not Activity.objects.exists()
    assert result.created == 0
    assert any(e.startswith("Row 3, column customer (customer)") for e in result.errors), result.errors
    assert any(e.startswith("Row 4, column duration_minutes (duration (minutes))") for e in result.errors)
    assert len(result.errors) == 2


def test_errors_are_in_the_readers_language_and_headers_may_be_chinese(world):
    with translation.override("zh-hans"):
        rows = [["客户", "类型", "开始时间", "摘要"], ["East Steel", "不存在", "2026-01-05 10:00", "x"]]
        result = reader.import_activities(workbook(rows), by=world.east_rep)
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith("第 2 行，kind (类型) 列：未知的活动类型"), result.errors


def test_a_missing_column_or_a_file_that_is_no_workbook_is_said(world):
    result = reader.import_activities(workbook([["customer", "summary"]]), by=world.east_rep)
    assert "kind" in result.errors[0] and "start" in result.errors[0]
    assert reader.import_activities(b"not excel", by=world.east_rep).errors == [
        "The file is not an Excel workbook (.xlsx)."
    ]
