"""In a real browser: the owner sees the reminder in the top bar, follows it to the reviews due,
opens the plan, records a review in its reviews panel and sees it in the history with the next due
date moved on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.org.models import Role
from kam.planning.accountplans import services as plans
from kam.planning.accountplans.models import AccountPlan, PlanReview, PlanStatus
from tests.browser import login
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan():
    ensure_sales_processes()
    rep = UserFactory(username="plan_rep", role=Role.REP, team=TeamFactory(name="East"))
    customer = CustomerFactory(owner=rep, name="Baowu Steel", segment="key")
    made = plans.create_plan(customer=customer, year=timezone.localdate().year, by=rep)
    AccountPlan.objects.filter(pk=made.pk).update(
        status=PlanStatus.ACTIVE,
        activated_at=timezone.now(),
        next_review_due=timezone.localdate() - dt.timedelta(days=6),
    )
    return rep, made


def test_from_the_reminder_to_a_recorded_review(page, live_server, plan):
    rep, made = plan
    login(page, live_server, rep.username, PASSWORD)
    reminder = page.locator(".reviews-reminder")
    reminder.wait_for()
    assert reminder.locator(".badge").inner_text() == "1"
    reminder.click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#due-{made.pk}")
    assert "6 days overdue" in row.inner_text()
    row.get_by_role("link", name="Record a review").click()
    page.wait_for_load_state("networkidle")
    form = page.locator("#record-review")
    form.get_by_label("Conclusions").fill("Phase two on track; add a visit to purchasing.")
    form.get_by_label("Changes decided").fill("One more visit a month")
    form.get_by_role("button", name="Record the review").click()
    page.wait_for_load_state("networkidle")
    history = page.locator(".review-history")
    history.get_by_text("Phase two on track").wait_for()
    review = PlanReview.objects.get(plan=made)
    assert review.next_due > timezone.localdate()
    assert page.locator(".review-facts").inner_text().count(review.next_due.isoformat()) == 1
    # The reminder is gone once the review is recorded.
    page.goto(f"{live_server.url}/planning/accounts/reviews/?mine=on")
    page.wait_for_load_state("networkidle")
    assert page.locator(".reviews-reminder").count() == 0
    assert "None of your account plans has a review due." in page.content()


def test_the_panel_on_the_plan_page_records_through_htmx(page, live_server, plan):
    rep, made = plan
    login(page, live_server, rep.username, PASSWORD)
    page.goto(f"{live_server.url}/planning/accounts/{made.pk}/")
    # The plan page loads the panel when its place comes into view.
    page.locator("#reviews-slot").scroll_into_view_if_needed()
    panel = page.locator(f"#plan-reviews-{made.pk}")
    panel.wait_for()
    panel.get_by_label("Conclusions").fill("Reviewed on the plan page.")
    panel.get_by_role("button", name="Record the review").click()
    page.locator(f"#plan-reviews-{made.pk} .msg-success").wait_for()
    assert (
        "Reviewed on the plan page." in page.locator(f"#plan-reviews-{made.pk} .review-history").inner_text()
    )
    # The plan page itself did not reload: the panel was swapped in place.
    assert page.url.endswith(f"/planning/accounts/{made.pk}/")
    assert PlanReview.objects.filter(plan=made).count() == 1
