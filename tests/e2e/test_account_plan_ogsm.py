"""In a real browser: an account plan's OGSM built through its page, level by level, then read as
a tree and as a table."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from kam.planning.accountplans.models import AccountPlan, PlanAction
from tests.browser import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _add(page, details_selector: str, fields: dict[str, str], button: str) -> None:
    details = page.locator(details_selector).last
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    for name, value in fields.items():
        field = details.locator(f"[name$='-{name}']").first
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    details.get_by_role("button", name=button).click()
    _settle(page)


def test_build_the_cascade_and_read_it_as_a_tree_and_a_table(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="ogsm_rep", name="Li Na", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Anshan Steel")
    plan = AccountPlan.objects.create(customer=customer, owner=rep, created_by=rep, year=2026)

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/planning/accounts/{plan.pk}/ogsm/")
    assert "No objective yet." in page.locator("#ogsm-workspace").inner_text()

    _add(page, "details.add-objective", {"text": "Become the preferred supplier"}, "Add the objective")
    page.wait_for_selector(".ogsm-objective")
    _add(
        page,
        ".ogsm-objective details.add-form",
        {"text": "Win revenue", "metric": "won_revenue", "target": "5000000"},
        "Add the goal",
    )
    page.wait_for_selector(".ogsm-goal")
    _add(page, ".ogsm-goal details.add-form", {"text": "Win the furnace line"}, "Add the strategy")
    page.wait_for_selector(".ogsm-strategy")
    _add(
        page,
        ".ogsm-strategy details.add-form",
        {"text": "Technical exchanges held", "target": "2 per quarter"},
        "Add the measure",
    )
    page.wait_for_selector(".ogsm-measure")
    _add(
        page,
        ".ogsm-measure details.add-form",
        {"text": "Invite the chief engineer", "owner": str(rep.pk), "due_date": "2026-03-15"},
        "Add the action",
    )
    page.wait_for_selector(".ogsm-action")

    tree = page.locator(".ogsm-tree-view")
    assert tree.is_visible()
    text = tree.inner_text()
    for words in (
        "Become the preferred supplier",
        "Win revenue",
        "Win the furnace line",
        "Technical exchanges held",
        "Invite the chief engineer",
    ):
        assert words in text
    assert "won opportunities closed this year" in text
    assert PlanAction.objects.get().owner == rep

    # The table view, reached from the keyboard.
    page.get_by_role("button", name="Table").focus()
    page.keyboard.press("Enter")
    table = page.locator(".ogsm-table-view")
    table.wait_for(state="visible")
    assert not tree.is_visible()
    row = page.locator(".ogsm-table tbody tr").first
    cells = row.inner_text()
    assert "Become the preferred supplier" in cells and "Invite the chief engineer" in cells
    assert "Li Na" in cells and "2026-03-15" in cells
    assert page.get_by_role("button", name="Table").get_attribute("aria-pressed") == "true"
