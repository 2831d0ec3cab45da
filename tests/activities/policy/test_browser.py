"""In a real browser: the what-if editor recomputes the demand through htmx (under the page's
Content-Security-Policy) and saves nothing; the plan page shows the manager's comment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.activities.models import VisitPolicy
from kam.customers.models import Customer, Tier
from kam.org.models import Role
from tests.browser import login
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = None  # a directory name here keeps screenshots of the pages while developing


@pytest.fixture
def section_ten():
    """A smaller §10: 8 A, 52 B and 200 C customers, each tier visited twice a month."""
    team = TeamFactory(name="Key accounts")
    manager = UserFactory(username="kam_mgr", role=Role.MANAGER, team=team)
    team.manager = manager
    team.save()
    rep = UserFactory(username="kam_rep", team=team)
    for tier, count in ((Tier.A, 8), (Tier.B, 52), (Tier.C, 200)):
        Customer.objects.bulk_create(Customer(name=f"{tier} {i}", owner=rep, tier=tier) for i in range(count))
    VisitPolicy.objects.all().delete()
    for tier, hours in ((Tier.A, "2"), (Tier.B, "1"), (Tier.C, "0.5")):
        VisitPolicy.objects.create(tier=tier, visits=2, period_months=1, hours_per_visit=Decimal(hours))
    return manager


def test_the_what_if_editor_recomputes_without_saving(page, live_server, section_ten):
    login(page, live_server, section_ten.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/activities/policy/")
    assert "336.0" in page.locator("section", has_text="Per team").inner_text()  # 32 + 104 + 200 h
    page.fill("input[name='tier:A:visits']", "4")
    page.fill("input[name='tier:A:hours_per_visit']", "3")
    page.fill("input[name='tier:C:visits']", "1")
    page.fill("input[name='tier:C:period_months']", "3")
    page.fill("input[name='tier:C:hours_per_visit']", "0.3333")
    page.get_by_role("button", name="Recompute").click()
    result = page.locator("#what-if-result tfoot tr", has_text="Demand")
    result.wait_for()
    # 96 + 104 + 22.2 h: the reallocation of §10 at a tenth of its size.
    assert result.locator("strong").inner_text() == "222.2"
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/policy.png", full_page=True)
    assert VisitPolicy.objects.get(tier=Tier.A).visits == 2
    assert page.url == f"{live_server.url}/activities/policy/"


def test_the_plan_page_in_chinese(page, live_server, section_ten):
    from kam.activities.models import PlanPeriod
    from kam.activities.plans import services as plans

    rep = section_ten.team.members.get(username="kam_rep")
    plan = plans.create_plan(by=rep, period=PlanPeriod.WEEK, starts_on=dt.date(2026, 6, 1))
    plans.add_goal(plan, by=rep, text="拜访决策人")
    plans.add_comment(plan, by=section_ten, text="先约财务总监")
    login(page, live_server, rep.username, PASSWORD, language="zh-hans")
    page.goto(f"{live_server.url}/activities/plans/{plan.pk}/")
    assert "周计划" in page.locator("h1").inner_text()
    assert "先约财务总监" in page.locator("section", has_text="点评").inner_text()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/plan.png", full_page=True)
