"""The reviews pages: the reviews due list (window per segment, overdue, visibility, filters,
pagination), the top bar's reminder badge, a plan's reviews panel and its form, the collective
review, and the planning cycle page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.planning.accountplans.models import (
    AccountPlan,
    PlanningCycle,
    PlanReview,
    PlanStatus,
    ReviewCadence,
    ReviewKind,
)
from kam.planning.accountplans.reviews import selectors
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _today():
    return timezone.localdate()


def _days(n):
    return _today() + dt.timedelta(days=n)


# Reviews due -------------------------------------------------------------------------------------


def test_reviews_due_takes_each_segments_reminder_window_and_the_overdue(world, make_plan):
    ReviewCadence.objects.filter(segment="key").update(remind_days_before=10)
    ReviewCadence.objects.filter(segment="important").update(remind_days_before=30)
    overdue = make_plan(world.east_customer, segment="key", next_due=_days(-5))
    in_window = make_plan(
        CustomerFactory(owner=world.east_rep, name="Key soon"), segment="key", next_due=_days(10)
    )
    make_plan(CustomerFactory(owner=world.east_rep, name="Key later"), segment="key", next_due=_days(11))
    important = make_plan(
        CustomerFactory(owner=world.east_rep, name="Important soon"), segment="important", next_due=_days(30)
    )
    make_plan(
        CustomerFactory(owner=world.east_rep, name="Draft"),
        segment="key",
        status=PlanStatus.DRAFT,
        next_due=_days(-9),
    )
    rows = list(selectors.reviews_due(world.east_rep))
    assert rows == [overdue, in_window, important]
    assert [
        r.plan_id if hasattr(r, "plan_id") else r.plan.pk for r in selectors.due_rows(rows, _today())
    ] == [
        overdue.pk,
        in_window.pk,
        important.pk,
    ]
    due_rows = selectors.due_rows(rows, _today())
    assert (due_rows[0].overdue, due_rows[0].days_overdue) == (True, 5)
    assert (due_rows[1].overdue, due_rows[1].days) == (False, 10)
    assert [p.pk for p in selectors.reviews_due(world.east_rep, overdue_only=True)] == [overdue.pk]
    assert [p.pk for p in selectors.reviews_due(world.east_rep, segment="important")] == [important.pk]


def test_the_reviews_due_page_lists_only_plans_the_user_may_see(client, world, make_plan):
    make_plan(world.east_customer, next_due=_days(-3))
    make_plan(world.west_customer, next_due=_days(-3))
    _login(client, world.east_mgr)
    body = client.get(reverse("planning_reviews:due")).content.decode()
    assert "East Steel" in body and "West Power" not in body
    assert "3 days overdue" in body and "data-print" in body
    _login(client, world.director)
    body = client.get(reverse("planning_reviews:due")).content.decode()
    assert "East Steel" in body and "West Power" in body


def test_the_reviews_due_page_filters_by_segment_mine_and_has_an_empty_state(client, world, make_plan):
    make_plan(world.east_customer, segment="key", next_due=_days(-1))
    make_plan(
        CustomerFactory(owner=world.east_rep2, name="Rep two's"), segment="important", next_due=_days(2)
    )
    _login(client, world.east_mgr)
    body = client.get(reverse("planning_reviews:due"), {"segment": "important"}).content.decode()
    assert "Rep two&#x27;s" in body and "East Steel" not in body
    body = client.get(reverse("planning_reviews:due"), {"owner": world.east_rep2.pk}).content.decode()
    assert "Rep two&#x27;s" in body and "East Steel" not in body
    # Someone out of sight is no filter at all: the manager's own list.
    body = client.get(reverse("planning_reviews:due"), {"owner": world.west_rep.pk}).content.decode()
    assert "Rep two&#x27;s" in body and "East Steel" in body
    _login(client, world.east_rep)
    body = client.get(reverse("planning_reviews:due"), {"mine": "on"}).content.decode()
    assert "East Steel" in body and "Rep two" not in body
    _login(client, world.west_rep)
    body = client.get(reverse("planning_reviews:due"), {"mine": "on"}).content.decode()
    assert "None of your account plans has a review due." in body


def test_the_reviews_due_page_is_paginated_in_due_order_with_a_fixed_number_of_queries(
    client, world, make_plan, django_assert_max_num_queries
):
    for n in range(30):
        make_plan(CustomerFactory(owner=world.east_rep, name=f"Customer {n:02d}"), next_due=_days(-n))
    _login(client, world.east_rep)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("planning_reviews:due"))
    body = response.content.decode()
    assert "Page 1 of 2" in body
    # The most overdue first.
    assert body.index("Customer 29") < body.index("Customer 20")
    assert "Customer 04" not in body
    assert "Customer 04" in client.get(reverse("planning_reviews:due"), {"page": 2}).content.decode()


# The reminder badge ------------------------------------------------------------------------------


def test_the_badge_counts_the_owners_plans_due_or_overdue(
    client, world, make_plan, django_assert_max_num_queries
):
    make_plan(world.east_customer, next_due=_days(-40))
    make_plan(CustomerFactory(owner=world.east_rep, name="Soon"), next_due=_days(3))
    make_plan(CustomerFactory(owner=world.east_rep, name="Later"), next_due=_days(60))
    make_plan(CustomerFactory(owner=world.east_rep2, name="Not mine"), next_due=_days(-1))
    assert selectors.reminder_count(world.east_rep) == 2
    assert selectors.reminder_count(world.east_mgr) == 0  # a manager's reminder is their own plans
    _login(client, world.east_rep)
    with django_assert_max_num_queries(5):
        body = client.get(reverse("planning_reviews:badge"), **HTMX).content.decode()
    assert ">2</span>" in body and "mine=on" in body
    _login(client, world.west_rep)
    assert client.get(reverse("planning_reviews:badge"), **HTMX).content.decode().strip() == ""


def test_every_page_loads_the_badge_in_the_top_bar(client, world):
    _login(client, world.east_rep)
    body = client.get(reverse("planning_reviews:due")).content.decode()
    assert f'hx-get="{reverse("planning_reviews:badge")}"' in body


# A plan's reviews --------------------------------------------------------------------------------


def test_the_panel_shows_the_next_due_date_and_the_history(client, world, make_plan):
    plan = make_plan(world.east_customer, next_due=_days(-2))
    PlanReview.objects.create(
        plan=plan,
        held_on=_days(-90),
        conclusions="Budget approved for phase two.",
        changes="Add a visit a month",
        reviewed_by=world.east_mgr,
        next_due=_days(-2),
    )
    _login(client, world.east_rep)
    body = client.get(reverse("planning_reviews:panel", args=[plan.pk]), **HTMX).content.decode()
    assert "<html" not in body
    assert "Budget approved for phase two." in body and "Add a visit a month" in body
    assert "2 days overdue" in body and "Record a review" in body
    # Opened as a link: the reviews page.
    response = client.get(reverse("planning_reviews:panel", args=[plan.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning_reviews:plan", args=[plan.pk]
    )
    page = client.get(reverse("planning_reviews:plan", args=[plan.pk])).content.decode()
    assert "data-print" in page and "Budget approved for phase two." in page


def test_a_draft_plan_has_no_review_form(client, world, make_plan):
    plan = make_plan(world.east_customer, status=PlanStatus.DRAFT)
    _login(client, world.east_rep)
    body = client.get(reverse("planning_reviews:panel", args=[plan.pk]), **HTMX).content.decode()
    assert "Reviews start once the plan is active." in body and "Record the review" not in body


def test_another_teams_plan_is_404(client, world, make_plan):
    plan = make_plan(world.east_customer)
    _login(client, world.west_mgr)
    assert client.get(reverse("planning_reviews:panel", args=[plan.pk]), **HTMX).status_code == 404
    assert client.get(reverse("planning_reviews:plan", args=[plan.pk])).status_code == 404
    response = client.post(
        reverse("planning_reviews:record", args=[plan.pk]),
        {"held_on": _today().isoformat(), "kind": "scheduled", "conclusions": "x", "version": plan.version},
    )
    assert response.status_code == 404
    assert not PlanReview.objects.exists()


def test_recording_a_review_through_htmx_returns_the_panel_with_the_new_due_date(client, world, make_plan):
    plan = make_plan(world.east_customer, segment="important", next_due=_days(-2))
    _login(client, world.east_rep)
    held = _days(-1)
    response = client.post(
        reverse("planning_reviews:record", args=[plan.pk]),
        {
            "held_on": held.isoformat(),
            "kind": ReviewKind.SCHEDULED,
            "conclusions": "Share up two points.",
            "changes": "",
            "participants": [world.east_mgr.pk],
            "version": plan.version,
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    plan.refresh_from_db()
    due = (
        held.replace(year=held.year + 1)
        if not (held.month == 2 and held.day == 29)
        else dt.date(held.year + 1, 2, 28)
    )
    assert plan.next_review_due == due
    assert f"the next one is due on {due.isoformat()}" in body
    assert "Share up two points." in body
    review = PlanReview.objects.get(plan=plan)
    assert list(review.participants.all()) == [world.east_mgr]


def test_a_refused_review_comes_back_with_its_messages(client, world, make_plan):
    plan = make_plan(world.east_customer)
    _login(client, world.east_rep)
    url = reverse("planning_reviews:record", args=[plan.pk])
    response = client.post(
        url,
        {"held_on": _days(3).isoformat(), "kind": "scheduled", "conclusions": "", "version": plan.version},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write the review&#x27;s conclusions." in body
    response = client.post(
        url,
        {
            "held_on": _days(3).isoformat(),
            "kind": "scheduled",
            "conclusions": "Fine",
            "version": plan.version,
        },
    )
    assert "cannot be in the future" in response.content.decode()
    assert not PlanReview.objects.exists()


def test_a_stale_review_form_is_a_conflict(client, world, make_plan):
    plan = make_plan(world.east_customer)
    stale = plan.version
    AccountPlan.objects.filter(pk=plan.pk).update(version=stale + 1)
    _login(client, world.east_rep)
    response = client.post(
        reverse("planning_reviews:record", args=[plan.pk]),
        {"held_on": _today().isoformat(), "kind": "scheduled", "conclusions": "Fine", "version": stale},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert not PlanReview.objects.exists()


def test_a_plain_form_post_redirects_to_the_reviews_page(client, world, make_plan):
    plan = make_plan(world.east_customer)
    _login(client, world.east_rep)
    response = client.post(
        reverse("planning_reviews:record", args=[plan.pk]),
        {
            "held_on": _today().isoformat(),
            "kind": "ad_hoc",
            "conclusions": "Escalation handled.",
            "version": plan.version,
        },
    )
    review = PlanReview.objects.get(plan=plan)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#review-{review.pk}")
    assert review.kind == ReviewKind.AD_HOC


# The collective review ---------------------------------------------------------------------------


def test_the_collective_review_records_the_ticked_plans(client, world, make_plan):
    one = make_plan(world.east_customer, segment="general")
    two = make_plan(CustomerFactory(owner=world.east_rep2, name="General two"), segment="general")
    three = make_plan(CustomerFactory(owner=world.east_rep2, name="General three"), segment="general")
    hidden = make_plan(world.west_customer, segment="general")
    _login(client, world.east_mgr)
    page = client.get(reverse("planning_reviews:collective")).content.decode()
    assert "General two" in page and "West Power" not in page
    response = client.post(
        reverse("planning_reviews:collective"),
        {
            "segment": "general",
            "held_on": _today().isoformat(),
            "conclusions": "The general accounts hold their plans.",
            f"plan_{one.pk}": "on",
            f"plan_{two.pk}": "on",
            f"own_{two.pk}": "Two is behind on visits.",
            **{f"version_{p.pk}": p.version for p in (one, two, three)},
        },
    )
    assert response.status_code == 302
    reviews = {r.plan_id: r for r in PlanReview.objects.all()}
    assert set(reviews) == {one.pk, two.pk}
    assert reviews[one.pk].conclusions == "The general accounts hold their plans."
    assert reviews[two.pk].conclusions == "Two is behind on visits."
    assert {r.kind for r in reviews.values()} == {ReviewKind.COLLECTIVE}
    assert not PlanReview.objects.filter(plan__in=[three, hidden]).exists()


def test_the_collective_review_asks_for_plans_and_conclusions(client, world, make_plan):
    one = make_plan(world.east_customer, segment="general")
    _login(client, world.east_mgr)
    url = reverse("planning_reviews:collective")
    base = {"segment": "general", "held_on": _today().isoformat(), f"version_{one.pk}": one.version}
    response = client.post(url, {**base, "conclusions": "Fine"})
    assert response.status_code == 400
    assert "Choose the plans this review covered." in response.content.decode()
    response = client.post(url, {**base, f"plan_{one.pk}": "on"})
    assert "Write the conclusions for East Steel" in response.content.decode()
    assert not PlanReview.objects.exists()


# The planning cycle ------------------------------------------------------------------------------


def _cycle_post(year, **changes):
    data = {
        "year": year,
        "preparation_starts": f"{year - 1}-09-01",
        "drafting_starts": f"{year - 1}-09-21",
        "drafting_ends": f"{year - 1}-11-30",
        "review_by": f"{year - 1}-12-18",
        "implementation_starts": f"{year}-01-01",
        "expectations": "Every key account planned by December.",
    }
    data.update(changes)
    return data


def test_a_director_sets_the_cycle_and_everyone_reads_it_with_the_phase_marked(client, world):
    year = _today().year
    _login(client, world.director)
    url = reverse("planning_reviews:cycle") + f"?year={year}"
    assert "No timetable is set" in client.get(url).content.decode()
    response = client.post(url, _cycle_post(year))
    assert response.status_code == 302
    cycle = PlanningCycle.objects.get(year=year)
    assert cycle.updated_by == world.director
    _login(client, world.east_rep)
    body = client.get(url).content.decode()
    # The round for this year began last year: today it is implemented.
    assert 'class="phase phase-implementation current" aria-current="step"' in body
    assert "Every key account planned by December." in body
    assert "Save the timetable" not in body
    assert client.post(url, _cycle_post(year)).status_code == 403


def test_the_cycle_form_shows_dates_out_of_order_and_a_stale_version(client, world):
    year = _today().year + 1
    _login(client, world.director)
    url = reverse("planning_reviews:cycle") + f"?year={year}"
    response = client.post(url, _cycle_post(year, drafting_ends=f"{year - 1}-09-01"))
    assert response.status_code == 400
    assert "Drafting ends cannot be before drafting starts" in response.content.decode()
    client.post(url, _cycle_post(year))
    cycle = PlanningCycle.objects.get(year=year)
    client.post(url, _cycle_post(year, version=cycle.version, review_by=f"{year - 1}-12-20"))
    response = client.post(url, _cycle_post(year, version=cycle.version, review_by=f"{year - 1}-12-21"))
    assert response.status_code == 409
    cycle.refresh_from_db()
    assert cycle.review_by == dt.date(year - 1, 12, 20)


def test_the_pages_speak_chinese(client, world, make_plan, settings):
    from django.utils import translation

    make_plan(world.east_customer, next_due=_days(-3))
    _login(client, world.east_mgr)
    with translation.override("zh-hans"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        body = client.get(reverse("planning_reviews:due")).content.decode()
        assert "待评审" in body and "逾期 3 天" in body
        cycle = client.get(reverse("planning_reviews:cycle")).content.decode()
        assert "规划周期" in cycle
