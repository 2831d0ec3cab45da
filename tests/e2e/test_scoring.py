"""In a real browser: a rep sets a static criterion on the customer page and sees the score, the tier,
the breakdown and the chart follow at once."""

from __future__ import annotations

import pytest

from kam.customers.models import Customer, CustomerScore, ScoreBand, ScoringCriterion, TagKind
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.tags.services import create_tag
from kam.org.models import Role
from tests.e2e.conftest import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def band(code: str, label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code=code, label_en=label_en)


def test_changing_a_static_criterion_moves_the_tier_and_the_breakdown(page, live_server):
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="score_rep", role=Role.REP, team=team)
    manager = UserFactory(username="score_mgr", role=Role.MANAGER, team=team)
    create_tag(by=manager, name="Tier C watch", kind=TagKind.DYNAMIC, rule={"tier": "C"})
    customer = CustomerFactory(owner=rep, name="Sinopec Zhenhai")
    # Four strategic values at their top band (4 × 5 % × 100) and strategic fit high (10 % × 100):
    # 30 points, tier D; industry leadership (15 %) decides whether it reaches C at 35.
    for code, label in (
        ("brand_builder", "Strong"),
        ("regional_leader", "Strong"),
        ("technology_leader", "Strong"),
        ("reference_value", "Flagship reference"),
        ("strategic_fit", "High"),
    ):
        scoring_services.set_static_value(
            customer, ScoringCriterion.objects.get(code=code), band(code, label), by=rep
        )
    scoring.rescore([customer.pk])
    before = CustomerScore.objects.get(customer=customer).total
    customer.refresh_from_db()
    assert customer.computed_tier == "D"

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    section = page.locator("#score-section")
    section.wait_for()
    row = section.locator("tr[data-criterion='industry_leadership']")
    assert "not set" in row.locator(".score-band").inner_text()
    assert section.locator("[data-role='effective-tier']").inner_text() == "D"
    page.wait_for_selector("#tags-section")
    assert "Tier C watch" not in page.locator("#tags-section").inner_text()
    assert section.locator(".score-next").inner_text().startswith("5 points to tier C (35)")
    page.wait_for_selector("#score-section .score-chart[data-drawn] svg")

    row.locator("select").select_option(label="Industry leader (100)")
    # htmx swaps the whole section in; wait for the new one to carry the new tier.
    page.wait_for_function(
        "() => document.querySelector(\"#score-section [data-role='effective-tier']\").textContent.trim() === 'C'"
    )
    # The page header and the tags section follow the new score without a reload.
    page.wait_for_function(
        "() => document.querySelector('#customer-facts .badge.tier').textContent.trim() === 'C'"
    )
    assert str(before + 15) in page.locator("#customer-facts .score").inner_text()
    page.wait_for_selector("#tags-section >> text=Tier C watch")
    section = page.locator("#score-section")
    row = section.locator("tr[data-criterion='industry_leadership']")
    assert row.locator(".score-band").inner_text() == "Industry leader"
    assert row.locator(".score-contribution").inner_text() == "15.00"
    assert section.locator("[data-role='computed-tier']").inner_text() == "C"
    assert section.locator(".score-total strong").inner_text() == str(before + 15)
    assert section.locator(".score-next").inner_text().startswith("10 points to tier B (55)")
    # The chart is drawn again from the new breakdown.
    page.wait_for_selector("#score-section .score-chart[data-drawn] svg")

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.computed_tier, stored.tier) == ("C", "C")
    assert CustomerScore.objects.get(customer=customer).total == before + 15

    # Setting it back to "no standing" takes the customer down again.
    row.locator("select").select_option(label="No standing (0)")
    page.wait_for_function(
        "() => document.querySelector(\"#score-section [data-role='effective-tier']\").textContent.trim() === 'D'"
    )
    assert Customer.objects.get(pk=customer.pk).computed_tier == "D"


@pytest.mark.parametrize("width", [1280, 1440, 1600])
def test_the_breakdown_fits_its_card_on_common_screens(browser, live_server, width):
    ensure_sales_processes()
    rep = UserFactory(username=f"wide_rep_{width}", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Sinopec Zhenhai")
    # Set values: each row then carries a band name and the next band, the widest the table gets.
    for code, label in (("brand_builder", "Strong"), ("reference_value", "Flagship reference")):
        scoring_services.set_static_value(
            customer, ScoringCriterion.objects.get(code=code), band(code, label), by=rep
        )
    scoring.rescore([customer.pk])
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, live_server, rep.username, PASSWORD, language="en")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.wait_for_selector("#score-section table.score-breakdown")
        page.wait_for_selector("#tags-section")
        overflow = page.evaluate(
            "() => { const t = document.querySelector('#score-section table.score-breakdown');"
            " const box = t.parentElement; return t.scrollWidth - box.clientWidth; }"
        )
        assert overflow <= 1, f"the breakdown is {overflow}px wider than its card at {width}px"
    finally:
        context.close()
