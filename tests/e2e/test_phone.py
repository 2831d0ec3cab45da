"""Issue 17, on a phone (390 × 844, and 320 wide for reflow): no main page scrolls sideways, the top
menu folds behind one "Menu" button and opens into sections whose links work, the pipeline table and
the customer list read as cards, the board shows one stage at a time, and an opportunity's card and
page offer "Log a visit" and "Move stage"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from tests.e2e.conftest import login
from tests.factories import PASSWORD, CustomerFactory, make_opportunity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 844}
DESK = {"width": 1280, "height": 900}

# The widths of the page and of the window, and the elements sticking out past the window's right
# edge that no scrolling box of their own holds (what makes the page itself scroll sideways).
OVERFLOW = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= innerWidth + 0.5) continue;
    let held = false;
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { held = true; break; }
    }
    if (!held) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
  }
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, out: out.slice(0, 5)};
}"""


@pytest.fixture
def phone_world(world):
    # Long names and amounts, the way real records are, so a layout that only fits short words fails.
    big = CustomerFactory(name="中国石油化工股份有限公司镇海炼化分公司（宁波）", owner=world.east_mgr)
    world.big_deal = make_opportunity(
        owner=world.east_mgr,
        customer=big,
        stage_code="P1",
        name="年产一百万吨乙烯装置配套智能仓储与物流自动化系统改造项目",
        amount=Decimal("144553500.00"),
    )
    world.big_customer = big
    return world


def _url(name: str, *args: object) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def main_pages(w) -> list[tuple[str, str]]:
    pages = [
        ("home", _url("home")),
        ("pipeline", _url("opportunities:pipeline")),
        ("board", _url("opportunities:board")),
        ("customers", _url("customers:list")),
        ("customer 360", _url("customers:detail", w.big_customer.pk)),
        ("opportunity", _url("opportunities:detail", w.big_deal.pk)),
        ("forecast", _url("forecast:page")),
        ("health", _url("health:page")),
        ("activities week", _url("activities:week")),
        ("reports", _url("reports:index")),
        ("account plans", _url("planning_accountplans:list")),
        ("receivables", _url("delivery_payments:receivables")),
        ("service", _url("delivery_service:list")),
    ]
    return [(label, url) for label, url in pages if url]


@pytest.mark.long
def test_no_main_page_scrolls_sideways_at_390_or_320_px(page, live_server, phone_world):
    page.set_default_timeout(20_000)
    login(page, live_server, phone_world.east_mgr.username, PASSWORD, language="zh-hans")
    pages = main_pages(phone_world)
    assert len(pages) == 13
    # Every page is visited before failing, so one run names all the pages that went wrong.
    wide, broken = [], []
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        for label, url in pages:
            response = page.goto(f"{live_server.url}{url}")
            if response is None or not response.ok:
                broken.append((label, response and response.status))
                continue
            page.wait_for_load_state("networkidle")  # the sections htmx loads after the page
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["inner"]:
                wide.append((size["width"], label, found))
            # The menu is folded: one button, its sections out of sight until asked for.
            assert page.locator(".menu-toggle").is_visible(), label
            assert not page.locator("#mainnav").is_visible(), label
    assert broken == []
    assert wide == []


def test_the_menu_folds_behind_one_button_whose_links_are_visible_and_work(page, live_server, phone_world):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(20_000)  # the machine running the suite may be busy
    login(page, live_server, phone_world.east_mgr.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}{reverse('opportunities:pipeline')}")
    toggle = page.locator(".menu-toggle")
    # The top bar fits in one row and a search box: not the 250 px of a menu that never folds.
    assert page.locator("header.topbar").bounding_box()["height"] < 110
    assert page.locator("#language-select").is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    sections = page.locator("#mainnav > .nav-section > .nav-toggle")
    names = [name.strip() for name in sections.all_inner_texts()]
    assert names == ["Sell", "Analyse", "Activities", "Plan", "After the sale", "Team", "Admin"]
    # The current page's section is marked; its link says so.
    assert page.locator("#mainnav .nav-section.current > .nav-toggle").inner_text().strip() == "Sell"
    # Every section opens into links inside the window, each big enough for a thumb.
    for index in range(sections.count()):
        section = sections.nth(index)
        section.click()
        assert section.get_attribute("aria-expanded") == "true"
        links = page.locator(f"#{section.get_attribute('aria-controls')} a")
        assert links.count() > 0
        for n in range(links.count()):
            box = links.nth(n).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert box["height"] >= 32
    # Opening one section closed the one before: only the last is open.
    assert page.locator('#mainnav .nav-toggle[aria-expanded="true"]').count() == 1

    # Escape closes the open section and gives its button the focus; a second Escape folds the menu.
    page.keyboard.press("Escape")
    assert page.locator('#mainnav .nav-toggle[aria-expanded="true"]').count() == 0
    assert page.evaluate("document.activeElement.textContent.trim()") == "Admin"
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#mainnav").is_visible()

    # A link followed from the menu: the new page marks its section and the link as current.
    toggle.click()
    page.get_by_role("button", name="After the sale").click()
    page.get_by_role("link", name="Receivables").click()
    page.wait_for_url("**/delivery/receivables/**")
    toggle.click()
    assert (
        page.locator("#mainnav .nav-section.current > .nav-toggle").inner_text().strip() == "After the sale"
    )
    page.get_by_role("button", name="After the sale").click()
    assert page.locator("#nav-after-sale a[aria-current=page]").inner_text().strip() == "Receivables"

    # The account links fold into the user menu, reachable on a phone; Log out works from there.
    page.locator(".user-menu .nav-toggle").click()
    assert toggle.get_attribute("aria-expanded") == "false"  # the main menu stepped aside
    logout = page.get_by_role("button", name="Log out")
    assert logout.is_visible()
    box = logout.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    logout.click()
    page.wait_for_url("**/accounts/login/**")


def test_on_a_desk_the_sections_drop_down_one_at_a_time_from_the_keyboard(page, live_server, phone_world):
    page.set_viewport_size(DESK)
    page.set_default_timeout(20_000)
    login(page, live_server, phone_world.east_mgr.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}{reverse('health:page')}")
    assert not page.locator(".menu-toggle").is_visible()
    analyse = page.get_by_role("button", name="Analyse")
    plan = page.get_by_role("button", name="Plan", exact=True)
    assert page.locator("#mainnav .nav-section.current > .nav-toggle").inner_text().strip() == "Analyse"
    analyse.focus()
    page.keyboard.press("Enter")
    assert page.locator("#nav-analyse").is_visible()
    assert page.locator("#nav-analyse a[aria-current=page]").inner_text().strip() == "Health"
    # Tab reaches the section's links in order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Forecast"
    plan.click()
    assert not page.locator("#nav-analyse").is_visible()
    assert page.locator("#nav-plan").is_visible()
    # A click elsewhere closes it.
    page.locator("h1").click()
    assert not page.locator("#nav-plan").is_visible()
    # The language switch stays in the top bar, outside every menu.
    assert page.locator("#language-select").is_visible()


def test_cards_board_stage_picker_and_quick_actions_on_a_phone(page, live_server, phone_world):
    deal = phone_world.big_deal
    page.set_viewport_size(PHONE)
    page.set_default_timeout(20_000)  # the machine running the suite may be busy
    login(page, live_server, phone_world.east_mgr.username, PASSWORD, language="en")

    # The pipeline table's rows are cards: name, customer, stage, amount, sign date, flags.
    page.goto(f"{live_server.url}{reverse('opportunities:pipeline')}")
    # The filters fold behind one button, so the first cards are in sight.
    assert not page.locator("#pipeline-filters").is_visible()
    page.get_by_role("button", name="Filters").click()
    assert page.locator("#pipeline-filters #id_stage").is_visible()
    row = page.locator(f"tr[data-opportunity='{deal.pk}']")
    assert row.evaluate("tr => getComputedStyle(tr).display") == "grid"
    for cell in ("name", "customer", "stage", "amount", "sign", "flags"):
        assert row.locator(f"td[data-card='{cell}']").is_visible(), cell
    assert not row.locator("td.contacts").is_visible()  # the desk-only columns step aside
    label = row.locator("td[data-card='stage']").evaluate("td => getComputedStyle(td, '::before').content")
    assert "Stage" in label
    card = row.bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= PHONE["width"]
    # The quick actions: "Log a visit" opens the activity form for this deal.
    row.get_by_role("link", name="Log a visit").click()
    page.wait_for_url(f"**/activities/**opportunity={deal.pk}**")

    # The customer list's rows are cards too.
    page.goto(f"{live_server.url}{reverse('customers:list')}")
    customer_row = page.locator("#customer-table tbody tr", has_text=phone_world.big_customer.name)
    assert customer_row.evaluate("tr => getComputedStyle(tr).display") == "grid"
    assert customer_row.locator("td[data-card='tier']").is_visible()

    # The board shows one stage at a time; the picker chooses which.
    page.goto(f"{live_server.url}{reverse('opportunities:board')}")
    picker = page.locator("#board-stage")
    assert picker.is_visible()
    assert page.locator(".board .column:visible").count() == 1
    assert page.locator(".column[data-stage-code='P0']").is_visible()
    picker.select_option("P1")
    assert page.locator(".board .column:visible").count() == 1
    assert page.locator(".column[data-stage-code='P1']").is_visible()
    assert page.locator(".column[data-stage-code='P1'] .opp-card", has_text=deal.name).is_visible()
    assert page.locator(".column[data-stage-code='P1'] .card-log").first.is_visible()

    # The opportunity page: panels stacked in one column, "Move stage" leads to the move form.
    page.goto(f"{live_server.url}{reverse('opportunities:detail', args=[deal.pk])}")
    criteria, move = page.locator("#criteria").bounding_box(), page.locator("#move").bounding_box()
    assert move["y"] > criteria["y"] + criteria["height"] - 1  # below, not beside
    page.locator(".quick-actions").get_by_role("link", name="Move stage").click()
    page.wait_for_url("**#move")
    assert page.locator("#move select").is_visible()
    assert page.evaluate("document.querySelector('#move').getBoundingClientRect().top") < PHONE["height"]
    # The same page at a desk keeps the quick actions out of the way (the forms are in sight there).
    page.set_viewport_size(DESK)
    assert not page.locator(".quick-actions").is_visible()
