"""In a real browser: the org chart editor on the customer page, and how fast a large chart draws."""

from __future__ import annotations

import pytest

from kam.org.models import Role
from kam.relationships.models import Contact
from tests.e2e.conftest import login
from tests.factories import (
    PASSWORD,
    ContactFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep_with_customer():
    ensure_sales_processes()
    team = TeamFactory(name="East")
    rep = UserFactory(username="org_rep", role=Role.REP, team=team)
    customer = CustomerFactory(owner=rep, name="Baosteel Ningbo")
    return rep, customer


def drag(page, source, target) -> None:
    """Step the mouse like a person would: SortableJS needs intermediate moves to pick a drop target."""
    source.scroll_into_view_if_needed()
    start = source.bounding_box()
    assert start
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    # The first moves start the drag; the reports lists become drop zones only then.
    for step in range(1, 4):
        page.mouse.move(
            start["x"] + start["width"] / 2 + step * 3, start["y"] + start["height"] / 2 + step * 3
        )
        page.wait_for_timeout(30)
    end = target.bounding_box()
    assert end
    goal_x, goal_y = end["x"] + 40, end["y"] + end["height"] / 2
    x0, y0 = start["x"] + start["width"] / 2 + 9, start["y"] + start["height"] / 2 + 9
    for step in range(1, 21):
        page.mouse.move(x0 + (goal_x - x0) * step / 20, y0 + (goal_y - y0) * step / 20)
        page.wait_for_timeout(25)
    page.mouse.up()


def test_drag_a_person_under_another_manager_persists(page, live_server, rep_with_customer):
    rep, customer = rep_with_customer
    gm = ContactFactory(customer=customer, name="Chen GM", rank="high", department="Board")
    cto = ContactFactory(customer=customer, name="Lin CTO", rank="mid_high", reports_to=gm, department="IT")
    ContactFactory(customer=customer, name="Wu CFO", rank="mid_high", reports_to=gm, department="Finance")
    engineer = ContactFactory(
        customer=customer, name="Zhou Engineer", rank="low", reports_to=gm, department="IT"
    )

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#orgchart[data-rendered='1']")

    drag(
        page,
        page.locator(f"#person-{engineer.pk} > .person-row > .drag-handle"),
        page.locator(f"#person-{cto.pk} > ul.reports"),
    )
    page.wait_for_selector("#org-status .msg-success")
    assert "Lin CTO" in page.locator("#org-status").inner_text()

    engineer.refresh_from_db()
    assert engineer.reports_to_id == cto.pk
    assert engineer.version == 2

    page.reload()
    page.wait_for_selector(f"#person-{cto.pk}")
    assert page.locator(f"#person-{cto.pk} > ul.reports > li#person-{engineer.pk}").count() == 1
    assert Contact.objects.get(pk=engineer.pk).reports_to.name == "Lin CTO"


def test_delete_dialog_shows_the_impact_then_deletes(page, live_server, rep_with_customer):
    rep, customer = rep_with_customer
    gm = ContactFactory(customer=customer, name="Chen GM", rank="high")
    deputy = ContactFactory(customer=customer, name="Ma Deputy", reports_to=gm)
    ContactFactory(customer=customer, name="Xu Assistant", reports_to=deputy)
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#orgchart[data-rendered='1']")
    page.locator(f"#person-{deputy.pk} > .person-row a.delete-link").click()
    dialog = page.locator("#delete-dialog")
    dialog.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('#delete-dialog .impact').textContent.includes('up to')"
    )
    assert "1 direct report moves up to Chen GM" in dialog.inner_text()
    dialog.locator("button.confirm").click()
    page.wait_for_selector(f"#person-{deputy.pk}", state="detached")
    assert not Contact.objects.filter(pk=deputy.pk).exists()
    assert Contact.objects.get(name="Xu Assistant").reports_to_id == gm.pk


def test_search_finds_and_unfolds_a_person_in_a_large_organisation(page, live_server, rep_with_customer):
    rep, customer = rep_with_customer
    build_organisation(customer, 120)
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#orgchart[data-rendered='1']")
    target = Contact.objects.get(customer=customer, name="Person 100")
    assert not page.locator(f"#person-{target.pk} > .person-row").is_visible()  # folded at first
    page.fill("#org-search", "person 100")
    page.wait_for_selector(f"#person-{target.pk}.match > .person-row", state="visible")
    assert "Matches: 1" in page.locator("#org-status").inner_text()


def build_organisation(customer, size: int) -> None:
    """A realistic shape: one head, 10 directors, their managers, and staff below them."""
    head = Contact.objects.create(customer=customer, name="Head", rank="high", department="Board")
    directors = [
        Contact.objects.create(
            customer=customer, name=f"Director {i}", rank="mid_high", department=f"Dept {i}", reports_to=head
        )
        for i in range(10)
    ]
    people = []
    for index in range(size - 11):
        director = directors[index % 10]
        manager = people[index - 10] if index >= 10 and index % 3 else director
        people.append(
            Contact(
                customer=customer,
                name=f"Person {index}",
                title="Engineer",
                rank="low",
                department=director.department,
                reports_to=manager,
            )
        )
        people[-1].save()


def test_a_300_contact_org_chart_renders_quickly(page, live_server, rep_with_customer):
    rep, customer = rep_with_customer
    build_organisation(customer, 300)
    assert Contact.objects.filter(customer=customer).count() == 300
    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_selector("#orgchart[data-rendered='1']", timeout=15_000)
    ms = float(page.locator("#orgchart").get_attribute("data-rendered-at"))
    print(f"org chart 300 contacts rendered in {ms:.0f} ms")
    assert page.locator("#org-outline li.person").count() == 300
    assert ms < 3000
