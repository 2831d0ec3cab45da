"""In a real browser: every chart page draws its chart, in both languages, without a script error.
The chart scripts share `kam.js` (labels, locale, escaping); this proves each still finds it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.activities import services as activity_services
from kam.activities.models import ActivityKind
from kam.opportunities import services as opportunity_services
from kam.org.models import Role
from kam.relationships import services as relationship_services
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sales_world():
    ensure_sales_processes()
    root = TeamFactory(name="Sales")
    east = TeamFactory(name="East", parent=root)
    director = UserFactory(username="charts_director", role=Role.DIRECTOR, team=root)
    rep = UserFactory(username="charts_rep", role=Role.REP, team=east)
    customer = CustomerFactory(owner=rep, name="Anshan <Steel> & Co")  # markup in a name stays text
    other = CustomerFactory(owner=rep, name="Small Foundry")
    today = timezone.localdate()
    for index, stage_code in enumerate(["P1", "P3", "P5"]):
        make_opportunity(
            owner=rep,
            customer=customer,
            stage_code=stage_code,
            name=f"Line {index}",
            amount=Decimal(1_000_000 * (index + 1)),
            sign_date=today + dt.timedelta(days=20 * index),
        )
    won = make_opportunity(
        owner=rep, customer=customer, stage_code="P6", name="Won line", gross_margin=Decimal(30)
    )
    opportunity_services.close_opportunity(won, by=rep, status="won", reason="Signed")
    make_opportunity(owner=rep, customer=other, stage_code="P0", name="Small deal", amount=Decimal(50_000))
    boss = relationship_services.create_contact(by=rep, customer=customer, name="Wang Wei", rank="high")
    relationship_services.set_relationship_level(boss, rep, 3, by=rep, note="Dinner")
    # This month's selling and travel hours for the sales time chart (the kinds are seeded by a
    # migration, which a transactional test's flush removed).
    if not ActivityKind.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("kam.activities.migrations.0002_seed_kinds_and_policies").seed(apps, None)
    # An hour ago, or today's local midnight if that is later: inside the month the page shows.
    midnight = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    this_month_so_far = max(timezone.now() - dt.timedelta(hours=1), midnight)
    for kind, minutes in (("visit", 120), ("travel", 90)):
        activity_services.create_activity(
            by=rep,
            kind=ActivityKind.objects.get(code=kind),
            customer=customer,
            start=this_month_so_far,
            summary=f"{kind} <b>",
            duration_minutes=minutes,
        )
    return director, customer


CHART_PAGES = [
    ("/customers/pyramid/", "#pyramid-chart"),
    ("/insights/forecast/", "#forecast-chart"),
    ("/insights/funnel/", "#funnel-chart"),
    ("/insights/portfolio/", "#portfolio-chart"),
    ("/insights/matrix/", "#matrix-chart"),
    ("/customers/{customer}/coverage/", "#coverage-heatmap"),
    ("/customers/{customer}/relationship-history/", "#coverage-time-chart"),
    ("/activities/time/", "#time-chart"),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_chart_page_draws_its_chart_without_errors(page, live_server, sales_world, language):
    director, customer = sales_world
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, director.username, PASSWORD, language=language)
    for path, selector in CHART_PAGES:
        page.goto(live_server.url + path.format(customer=customer.pk))
        page.wait_for_selector(f"{selector} svg", timeout=10_000)
        assert errors == [], f"{path}: {errors}"
    assert page.evaluate("typeof window.kam.escapeHtml") == "function"
    assert page.evaluate("window.kam.escapeHtml('<b>&</b>')") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert page.evaluate("window.kam.locale()") == ("ZH" if language == "zh-hans" else "EN")
