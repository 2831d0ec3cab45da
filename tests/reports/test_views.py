"""The report pages: pickers, scoping (404 outside the reader's teams), the print stylesheet, the
menu, the Excel workbooks, and the number of queries each page costs."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import resolve
from openpyxl import load_workbook

from kam.core import dbrouter
from kam.customers.models import Customer
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity
from kam.relationships import services as relationship_services
from tests.factories import CompetitorFactory, CustomerFactory, make_opportunity
from tests.reports.conftest import at, log

WEEK_DAY = dt.date(2026, 1, 15)
NOV_DAY = dt.date(2026, 11, 25)
PAGES = {
    "weekly": "/reports/weekly/?week=2026-W46",
    "review": "/reports/review/?month=2026-11",
    "sales": "/reports/sales/?p=2026-11",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES.values())
def test_each_page_shows_its_sections(reports_world, page):
    response = client_for(reports_world.east_mgr).get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="report-section"' in html
    assert 'id="report-team"' in html


def test_the_weekly_page_shows_the_figures(reports_world):
    html = client_for(reports_world.east_mgr).get(PAGES["weekly"]).content.decode()
    assert "Late boiler" in html
    assert "Meet the decision maker" in html
    assert '<dd data-figure="critical">1</dd>' in html


def test_the_pickers_link_the_period_before_and_after_keeping_the_team(reports_world):
    w = reports_world
    html = client_for(w.east_mgr).get(f"{PAGES['weekly']}&team={w.east.pk}").content.decode()
    assert f'href="?week=2026-W45&amp;team={w.east.pk}" rel="prev"' in html
    assert f'href="?week=2026-W47&amp;team={w.east.pk}" rel="next"' in html


def test_a_bad_period_falls_back_and_says_why(reports_world):
    response = client_for(reports_world.east_mgr).get("/reports/review/?month=soon")
    assert response.status_code == 200
    assert "Write a month as 2026-11." in response.content.decode()


@pytest.mark.parametrize("page", PAGES.values())
def test_a_rep_cannot_ask_for_a_team(reports_world, page):
    w = reports_world
    client = client_for(w.east_rep)
    assert client.get(f"{page}&team={w.west.pk}").status_code == 404
    assert client.get(f"{page}&team={w.east.pk}").status_code == 404
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", PAGES.values())
def test_a_manager_cannot_ask_for_another_team(reports_world, page):
    w = reports_world
    client = client_for(w.east_mgr)
    assert client.get(f"{page}&team={w.west.pk}").status_code == 404
    assert client.get(f"{page}&team=99999").status_code == 404
    assert client.get(f"{page}&team=x").status_code == 404
    assert client.get(f"{page}&team={w.east.pk}").status_code == 200


def test_a_director_may_choose_any_team(reports_world):
    w = reports_world
    response = client_for(w.director).get(f"{PAGES['weekly']}&team={w.west.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "West Power" in html and "Late boiler" not in html


def test_the_pages_print_on_a4_landscape_without_navigation(reports_world):
    html = client_for(reports_world.east_mgr).get(PAGES["sales"]).content.decode()
    assert "css/reports.css" in html
    assert 'class="filters no-print"' in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "reports.css").read_text()
    assert "@media print" in css
    assert "@page { size: A4 landscape;" in css
    assert ".topbar, .mainnav, .subnav, .filters, .no-print" in css


def test_the_menu_has_one_reports_entry(reports_world):
    html = client_for(reports_world.east_rep).get("/reports/").content.decode()
    assert html.count('href="/reports/"') == 1
    assert 'href="/reports/weekly/"' in html


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_the_weekly_workbook_has_a_sheet_per_section(reports_world):
    response = client_for(reports_world.east_mgr).get("/reports/weekly/export/?week=2026-W46")
    assert 'filename="weekly-2026-W46.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == [
        "Summary",
        "Pipeline changes",
        "Changed opportunities",
        "Stage moves and their summaries",
        "Flagged deals",
        "Activities against plan (2026-W",
        "Next week's plan (2026-W47)",
        "Next week's goals",
        "Under-visited key accounts",
    ]
    flagged = list(book["Flagged deals"].iter_rows(values_only=True))
    assert flagged[1][0] == "Opportunity"
    assert flagged[2][0].endswith("Late boiler")
    assert flagged[2][4] == 50000


def test_the_review_workbook_figures(reports_world):
    book = workbook(client_for(reports_world.east_mgr).get("/reports/review/export/?month=2026-11"))
    rows = list(book["Forecast against target (2026-1"].iter_rows(values_only=True))
    header = rows[1]
    rep = next(r for r in rows[2:] if r[0] == str(reports_world.east_rep))
    assert rep[header.index("Won")] == 200000
    assert rep[header.index("Target")] == 400000
    assert rep[header.index("Attainment")] == pytest.approx(0.5)
    accounts = list(book["Key accounts"].iter_rows(values_only=True))
    assert accounts[2][0] == "East Steel"
    assert accounts[2][accounts[1].index("Open pipeline")] == 1050000


def test_the_sales_workbook_of_an_empty_quarter_says_so(reports_world):
    book = workbook(client_for(reports_world.director).get("/reports/sales/export/?p=2025+Q1"))
    rows = list(book["Lost to"].iter_rows(values_only=True))
    assert rows[0][0] == "Lost to"
    assert rows[2][0] == "No deal was lost to a competitor in this period."


def test_workbook_cells_are_safe_from_formulas(reports_world):
    w = reports_world
    Opportunity.objects.filter(pk=w.late_opp.pk).update(name="=HYPERLINK(1)")
    book = workbook(client_for(w.east_mgr).get("/reports/weekly/export/?week=2026-W46"))
    cells = [r[0] for r in book["Flagged deals"].iter_rows(values_only=True)]
    assert any(str(c).endswith("=HYPERLINK(1)") and not str(c).startswith("=") for c in cells if c)


def more_of_everything(w) -> None:
    """A second key account with a flagged deal, contacts, activities and a lost deal, for east_rep2."""
    customer = CustomerFactory(owner=w.east_rep2, name="North Mining")
    late = make_opportunity(owner=w.east_rep2, customer=customer, name="Late crusher", sign_date=WEEK_DAY)
    make_opportunity(owner=w.east_rep2, customer=customer, name="Conveyor", sign_date=NOV_DAY)
    lost = make_opportunity(owner=w.east_rep2, customer=customer, name="Lost pump", sign_date=NOV_DAY)
    opportunity_services.close_opportunity(
        lost,
        by=w.east_rep2,
        status="lost",
        reason="late",
        lost_to=CompetitorFactory(),
        closed_at=at("2026-11-20 10:00"),
    )
    for name in ("Chief", "Deputy"):
        contact = relationship_services.create_contact(
            by=w.east_rep2, customer=customer, name=name, rank="high"
        )
        relationship_services.set_relationship_level(contact, w.east_rep2, 4, by=w.east_rep2, note="coach")
    for day in ("2026-11-10 08:00", "2026-11-12 08:00", "2026-11-18 08:00"):
        log(w.east_rep2, customer, day)
    log(w.east_rep2, customer, "2026-11-19 08:00", status="planned")
    Customer.objects.filter(pk=customer.pk).update(segment="key", tier="A")
    assert late.pk


@pytest.mark.parametrize(("page", "queries"), [("weekly", 30), ("review", 19), ("sales", 23)])
def test_each_page_costs_a_fixed_number_of_queries(reports_world, django_assert_num_queries, page, queries):
    if page == "weekly" and connection.vendor == "postgresql":
        queries -= 1  # the under-visited list's count rides along its first page there (a window)
    client = client_for(reports_world.east_mgr)
    client.get(PAGES[page])  # the session's and the policy rows' first reads
    with django_assert_num_queries(queries):
        assert client.get(PAGES[page]).status_code == 200
    more_of_everything(reports_world)
    client.get(PAGES[page])
    with django_assert_num_queries(queries):
        assert client.get(PAGES[page]).status_code == 200


@pytest.mark.parametrize(
    "path", ["/reports/weekly/", "/reports/review/export/", "/reports/sales/", "/api/v1/reports/sales"]
)
def test_the_reports_read_from_the_replica_when_there_is_one(monkeypatch, path):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    seen = []

    def view(request):
        seen.append(dbrouter.ReportsRouter().db_for_read(Customer))
        return "rendered"

    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    middleware = dbrouter.ReportsDatabaseMiddleware(lambda r: None)
    assert middleware.process_view(request, view, (), {}) == "rendered"
    assert seen == ["reports"]


@pytest.mark.parametrize(
    "page",
    ["/reports/weekly/?week=9999-W52", "/reports/review/?month=9999-12", "/reports/sales/?p=9999+Q4"],
)
def test_a_period_past_the_calendar_is_a_message_not_an_error(reports_world, page):
    response = client_for(reports_world.director).get(page)
    assert response.status_code == 200
    assert 'class="msg msg-error"' in response.content.decode()
