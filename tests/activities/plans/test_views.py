"""Plan pages: my plans and creating one, the plan page for its owner, a manager and an outsider,
goals, planned activities, comments, and the team page with its period picker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kam.activities.models import ActivityKind, Plan, PlanComment, PlanPeriod
from kam.activities.plans import services as plans
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 6, 1)


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def plan(world):
    return plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=MONDAY)


def test_creating_a_plan_from_any_day_of_the_week(world):
    client = client_for(world.east_rep)
    response = client.post(reverse("plans:mine"), {"period": "week", "starts_on": "2026-06-03", "notes": ""})
    plan = Plan.objects.get(owner=world.east_rep)
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert plan.starts_on == MONDAY
    # The week's plan exists: asking for it again opens it.
    again = client.post(reverse("plans:mine"), {"period": "week", "starts_on": "2026-06-05"})
    assert again.status_code == 302 and again["Location"] == reverse("plans:detail", args=[plan.pk])
    assert Plan.objects.filter(owner=world.east_rep).count() == 1
    bad = client.post(reverse("plans:mine"), {"period": "week", "starts_on": "not a day"})
    assert bad.status_code == 400
    listing = client.get(reverse("plans:mine")).content.decode()
    assert "2026-06-01 – 2026-06-07" in listing


def test_a_goal_is_edited_on_its_page_by_whoever_may_edit_the_plan(world, plan):
    goal = plans.add_goal(plan, by=world.east_rep, text="Meet the CFO")
    url = reverse("plans:goal_edit", args=[plan.pk, goal.pk])
    client = client_for(world.east_rep)
    assert url in client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "Meet the CFO" in page.content.decode()
    response = client.post(url, {"text": "Meet the CFO and the CTO", "customer": world.east_customer.pk})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.text, goal.customer) == ("Meet the CFO and the CTO", world.east_customer)
    assert client.post(url, {"text": ""}).status_code == 400
    # A customer the owner cannot see is refused, and the goal stays as it was.
    assert client.post(url, {"text": "x", "customer": world.west_customer.pk}).status_code == 400
    goal.refresh_from_db()
    assert goal.text == "Meet the CFO and the CTO"
    assert client_for(world.west_rep).get(url).status_code == 404


def test_the_owner_adds_goals_and_planned_activities(world, plan):
    client = client_for(world.east_rep)
    url = reverse("plans:goal_add", args=[plan.pk])
    assert client.post(url, {"text": "Meet the CFO", "customer": world.east_customer.pk}).status_code == 302
    goal = plan.goals.get()
    assert goal.customer == world.east_customer
    client.post(reverse("plans:goal_achieved", args=[plan.pk, goal.pk]), {"achieved": "1"})
    goal.refresh_from_db()
    assert goal.achieved
    visit = ActivityKind.objects.get(code="visit")
    response = client.post(
        reverse("plans:activity_add", args=[plan.pk]),
        {
            "kind": visit.pk,
            "customer": world.east_customer.pk,
            "start": "2026-06-02T10:00",
            "duration_minutes": 90,
            "summary": "Plant tour",
        },
    )
    assert response.status_code == 302
    assert plan.activities.get().summary == "Plant tour"
    late = client.post(
        reverse("plans:activity_add", args=[plan.pk]),
        {
            "kind": visit.pk,
            "customer": world.east_customer.pk,
            "start": "2026-06-09T10:00",
            "summary": "x",
            "duration_minutes": 60,
        },
    )
    assert late.status_code == 400
    assert "starts between 2026-06-01 and 2026-06-07" in late.content.decode()
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "Plant tour" in page and "Meet the CFO" in page
    assert reverse("plans:comment_add", args=[plan.pk]) not in page  # the owner does not comment


def test_the_manager_comments_and_the_owner_reads_it(world, plan):
    manager = client_for(world.east_mgr)
    page = manager.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("plans:comment_add", args=[plan.pk]) in page
    assert reverse("plans:goal_add", args=[plan.pk]) not in page  # only the owner edits
    assert (
        manager.post(reverse("plans:comment_add", args=[plan.pk]), {"text": "Call the CFO first"}).status_code
        == 302
    )
    assert (
        "Call the CFO first"
        in client_for(world.east_rep).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    )
    assert manager.post(reverse("plans:goal_add", args=[plan.pk]), {"text": "x"}).status_code == 403


def test_a_rep_cannot_comment_on_a_colleagues_plan_and_outsiders_get_404(world, plan):
    colleague = client_for(world.east_rep2)
    assert colleague.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert colleague.post(reverse("plans:comment_add", args=[plan.pk]), {"text": "x"}).status_code == 404
    assert client_for(world.west_mgr).get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert (
        client_for(world.east_rep)
        .post(reverse("plans:comment_add", args=[plan.pk]), {"text": "x"})
        .status_code
        == 403
    )
    assert not PlanComment.objects.exists()


def test_the_team_page_for_a_chosen_week(world, plan):
    client = client_for(world.east_mgr)
    response = client.get(reverse("plans:team"), {"period": "week", "day": "2026-06-04"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "2026-06-01 – 2026-06-07" in content
    assert reverse("plans:detail", args=[plan.pk]) in content
    assert "day=2026-06-08" in content and "day=2026-05-25" in content  # next and previous week
    month = client.get(reverse("plans:team"), {"period": "month", "day": "2026-06-04", "team": world.east.pk})
    assert "2026-06" in month.content.decode()


def test_the_team_page_reads_a_fixed_number_of_queries(world, plan, django_assert_max_num_queries):
    client = client_for(world.director)
    client.get(reverse("plans:team"))  # session and the like warmed
    with django_assert_max_num_queries(10):
        assert client.get(reverse("plans:team"), {"period": "week", "day": "2026-06-01"}).status_code == 200


def test_pages_in_chinese(world, plan):
    client = client_for(world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    content = client.get(
        reverse("plans:detail", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "周计划" in content
