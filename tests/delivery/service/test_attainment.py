"""SLA attainment on a worked example (tier D: normal 48 h / 240 h, urgent 8 h / 48 h)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.delivery.models import Priority, ServiceStatus
from kam.delivery.service import selectors, services
from tests.delivery.service.conftest import T0

H = dt.timedelta(hours=1)
MARCH = dt.date(2026, 3, 1)


def _done(sr, by, respond_after, resolve_after):
    services.move(sr, by=by, version=sr.version, to=ServiceStatus.ACKNOWLEDGED, now=T0 + respond_after * H)
    services.move(sr, by=by, version=sr.version, to=ServiceStatus.IN_PROGRESS, now=T0 + respond_after * H)
    services.move(
        sr,
        by=by,
        version=sr.version,
        to=ServiceStatus.RESOLVED,
        resolution="Done",
        now=T0 + resolve_after * H,
    )


@pytest.fixture
def example(world, open_request):
    east, west = world.east_customer, world.west_customer
    _done(open_request(east, priority=Priority.NORMAL), world.east_rep, 1, 10)  # both met
    _done(open_request(east, priority=Priority.URGENT), world.east_rep, 9, 20)  # response late
    _done(open_request(east, priority=Priority.URGENT), world.east_rep, 2, 50)  # resolution late
    _done(open_request(west, priority=Priority.NORMAL), world.west_rep, 4, 100)  # both met
    _done(open_request(east, priority=Priority.LOW), world.east_rep, 1, 24 * 40)  # resolved in April
    open_request(east)  # still open
    return world


def test_attainment_per_team_on_the_worked_example(example, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows, total = selectors.attainment(example.director, MARCH)
    east, west = rows
    assert (east.team, east.resolved, east.response_met, east.resolution_met, east.breaches) == (
        "East",
        3,
        2,
        2,
        2,
    )
    assert (east.response_percent, east.resolution_percent) == (66.7, 66.7)
    assert (east.mean_response_hours, east.mean_resolution_hours) == (4.0, 26.7)
    assert (west.team, west.resolved, west.breaches, west.response_percent) == ("West", 1, 0, 100.0)
    assert (total.resolved, total.response_percent, total.resolution_percent, total.breaches) == (
        4,
        75.0,
        75.0,
        2,
    )
    assert (total.mean_response_hours, total.mean_resolution_hours) == (4.0, 45.0)
    april, _total = selectors.attainment(example.director, dt.date(2026, 4, 1))
    assert [r.resolved for r in april] == [1]


def test_attainment_is_scoped_to_what_the_user_sees(example):
    rows, total = selectors.attainment(example.east_mgr, MARCH)
    assert [r.team for r in rows] == ["East"] and total.resolved == 3


def test_the_report_page_and_its_export(client, example, django_assert_max_num_queries):
    client.force_login(example.director)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("delivery_service:sla"), {"month": "2026-03"})
    text = page.content.decode()
    assert page.status_code == 200 and "66.7 %" in text and "75.0 %" in text
    assert client.get(reverse("delivery_service:sla"), {"month": "March"}).status_code == 400
    empty = client.get(reverse("delivery_service:sla"), {"month": "2025-01"})
    assert "No request you can see was resolved" in empty.content.decode()
    export = client.get(reverse("delivery_service:sla_export"), {"month": "2026-03"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:5] == ("East", 3, 66.7, 66.7, 2)
    assert rows[-1][:2] == ("All teams", 4)
