"""Issue 17, accessibility (WCAG 2.2 AA): axe-core, vendored in kam/static/vendor/axe-core, run in
Chromium over every main page of the demo world in both languages. A serious or critical violation
fails the test, listed with its rule, its targets and the page."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from kam.customers.models import Customer
from kam.delivery.models import Contract
from kam.demo.generator import build_demo
from kam.demo.logins import DEMO_PASSWORD
from kam.opportunities.models import Opportunity
from kam.planning.accountplans.models import AccountPlan
from tests.e2e.conftest import login
from tests.factories import ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.long, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "kam" / "static" / "vendor" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
# WCAG 2.0–2.2 A and AA, plus axe's best practices (landmarks, headings, scrollable regions).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def axe_page(browser, transactional_db):
    # Its own context: the injected axe script is inline, which the pages' CSP rightly refuses.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name and thread is not threading.current_thread():
            thread.join(timeout=10)


def _url(name: str, *args: object) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None  # a page another part of the work has not mounted yet


def main_pages() -> list[tuple[str, str]]:
    # The demo's richest records, so each page shows its tables, charts and dialogs filled.
    customer = Customer.objects.annotate(n=Count("contacts")).order_by("-n", "pk").first()
    deal = (
        Opportunity.objects.filter(status="open")
        .annotate(n=Count("contact_roles"))
        .order_by("-n", "pk")
        .first()
    )
    plan = AccountPlan.objects.order_by("pk").first()
    contract = Contract.objects.order_by("pk").first()
    assert customer and deal and plan and contract, "the demo world is missing a kind of record"
    pages = [
        ("workbench", _url("workbench:home")),
        ("pipeline", _url("opportunities:pipeline")),
        ("board", _url("opportunities:board")),
        ("customers", _url("customers:list")),
        ("customer 360", _url("customers:detail", customer.pk)),
        ("opportunity", _url("opportunities:detail", deal.pk)),
        ("decision chain", _url("chain:decision_chain", deal.pk)),
        ("pyramid", _url("customers:pyramid")),
        ("forecast", _url("forecast:page")),
        ("funnel", _url("forecast:funnel")),
        ("health", _url("health:page")),
        ("weekly review", _url("reports:review")),
        ("weekly report", _url("reports:weekly")),
        ("activities week", _url("activities:week")),
        ("reports", _url("reports:index")),
        ("account plans", _url("planning_accountplans:list")),
        ("account plan", _url("planning_accountplans:detail", plan.pk)),
        ("receivables", _url("delivery_payments:receivables")),
        ("contracts", _url("delivery_contracts:list")),
        ("contract", _url("delivery_contracts:detail", contract.pk)),
        ("service", _url("delivery_service:list")),
    ]
    return [(label, url) for label, url in pages if url]


def load_everything(page) -> None:
    """Waits for the page's own loading: sections fetched on scroll (the 360° page), charts drawn."""
    page.wait_for_load_state("networkidle")
    for _ in range(12):
        # Scrolled to from the page itself (a section swapped in meanwhile would detach a locator's
        # element), then waited for until that slot's placeholder is replaced.
        marked = page.evaluate(
            """() => {
                const card = document.querySelector('.loading-card');
                if (!card) return false;
                card.setAttribute('data-axe-waiting', '1');
                card.scrollIntoView();
                return true;
            }"""
        )
        if not marked:
            break
        page.wait_for_function("() => !document.querySelector('[data-axe-waiting]')")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.split("\\n").slice(1).join(" ") : "")),
            }));
        }""",
        TAGS,
    )
    return [v for v in result if v["impact"] in FAILING]


def test_no_serious_or_critical_violation_on_the_main_pages_in_both_languages(axe_page, live_server):
    ensure_sales_processes()  # what the migrations seed, after an earlier browser test flushed it
    # One transaction, as `kam demo` builds it: in autocommit every row would be a commit of its own
    # (on PostgreSQL, a write-ahead log flush each: minutes).
    with transaction.atomic():
        build_demo()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as `kam demo` does: the planner's first reads of fresh tables
    pages = main_pages()
    assert len(pages) >= 20
    problems: list[str] = []
    checked = 0
    for language in ("zh-hans", "en"):
        axe_page.context.clear_cookies()
        login(axe_page, live_server, "demo_director", DEMO_PASSWORD, language=language)
        for label, path in pages:
            response = axe_page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (
                f"{label} ({path}): {response and response.status}"
            )
            assert axe_page.evaluate("document.documentElement.lang").lower().startswith(language[:2])
            load_everything(axe_page)
            for v in violations(axe_page):
                targets = "\n      ".join(v["targets"][:8])
                more = f" (+{len(v['targets']) - 8} more)" if len(v["targets"]) > 8 else ""
                problems.append(
                    f"[{language}] {label} {path}: {v['impact']} {v['id']} ({v['help']}){more}\n      {targets}"
                )
            checked += 1
    assert checked == 2 * len(pages)
    assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)
