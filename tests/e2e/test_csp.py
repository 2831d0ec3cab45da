"""In a real browser, under the Content-Security-Policy: the main pages load, draw their charts and
swap in their htmx sections with not one violation reported (README: Security headers)."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    ContactFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
)
from tests.opportunities.chain.conftest import build_chain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Recorded in the page before any of its scripts run: what the browser refused, and why.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def account():
    ensure_sales_processes()
    rep = UserFactory(username="csp_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu <Steel>")
    chain = build_chain(rep, customer, stage_code="P4")
    ContactFactory(customer=customer, name="Chen GM", rank="high", department="Board")
    return rep, customer, chain


def test_main_pages_load_with_no_policy_violation(page, live_server, account):
    rep, customer, chain = account
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(LISTEN)
    login(page, live_server, rep.username, PASSWORD, language="en")
    pages = [
        ("pipeline", "/opportunities/", "table"),
        ("board", "/opportunities/board/", ".opp-card"),
        ("customer 360° and org chart", f"/customers/{customer.pk}/", "#orgchart[data-rendered='1']"),
        ("decision chain", f"/opportunities/{chain.opp.pk}/decision-chain/", "#decision-chain-chart svg"),
        ("forecast", "/insights/forecast/", "#forecast-chart svg"),
    ]
    for name, path, ready in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, name
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), name
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")  # the sections htmx loads after the page
        violations = page.evaluate("window.__cspViolations")
        reported = [text for text in console if "Content Security Policy" in text]
        assert violations == [] and reported == [], f"{name}: {violations} {reported}"
        assert errors == [], f"{name}: {errors}"
    # The customer page's sections came in through htmx, under the same policy.
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#profile-section")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []


def test_an_inline_script_would_be_refused_and_reported(page, live_server, account):
    """The check above can see a violation: the browser refuses an injected inline script."""
    rep, _customer, _chain = account
    page.add_init_script(LISTEN)
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/opportunities/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert "script-src" in page.evaluate("window.__cspViolations")[0]


def test_the_api_docs_page_draws_swagger_ui_under_the_policy(page, live_server, account):
    rep, _customer, _chain = account
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(LISTEN)
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []


def test_the_filters_print_and_select_all_work_without_inline_handlers(page, live_server, account):
    rep, customer, _chain = account
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/")
    page.check("th input[data-check-all]")
    assert page.evaluate("[...document.querySelectorAll('input[name=ids]')].every((b) => b.checked)")
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/customers/"  # back on the same page
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
