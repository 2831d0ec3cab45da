"""Plans over JSON: create, read with categories, notes with If-Match, goals, planned activities,
comments, plan against actual, visibility (404 outside) and permissions (403)."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.activities.models import PlanPeriod
from kam.activities.plans import services as plans

pytestmark = pytest.mark.django_db

MONDAY = "2026-06-01"


@pytest.fixture
def plan(world):
    return plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=dt.date(2026, 6, 1))


def test_create_and_read_a_plan(world, api_as):
    api = api_as(world.east_rep)
    response = api.post(
        "/activities/plans", {"period": "month", "starts_on": "2026-06-01", "notes": "Q2 push"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["period"], body["starts_on"], body["ends_on"], body["notes"]) == (
        "month",
        "2026-06-01",
        "2026-06-30",
        "Q2 push",
    )
    assert body["may_edit"] and not body["may_comment"]
    assert response["ETag"] == '"1"'
    bad = api.post("/activities/plans", {"period": "week", "starts_on": "2026-06-02"})
    assert bad.status_code == 422
    assert "starts_on" in bad.json()["errors"]
    listed = api.get("/activities/plans").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_goals_activities_and_categories(world, api_as, plan):
    api = api_as(world.east_rep)
    goal = api.post(
        f"/activities/plans/{plan.pk}/goals", {"text": "Meet the CFO", "customer": world.east_customer.pk}
    )
    assert goal.status_code == 201, goal.content
    done = api.patch(f"/activities/plans/{plan.pk}/goals/{goal.json()['id']}", {"achieved": True})
    assert done.json()["achieved"] is True
    activity = api.post(
        f"/activities/plans/{plan.pk}/activities",
        {
            "kind": "visit",
            "customer": world.east_customer.pk,
            "start": "2026-06-02T10:00:00+08:00",
            "summary": "Tour",
        },
    )
    assert activity.status_code == 201, activity.content
    # The week is long over by now: a planned activity never done is dropped.
    assert activity.json()["category"] == "dropped"
    outside = api.post(
        f"/activities/plans/{plan.pk}/activities",
        {
            "kind": "visit",
            "customer": world.west_customer.pk,
            "start": "2026-06-09T10:00:00+08:00",
            "summary": "x",
        },
    )
    assert outside.status_code == 422
    assert "customer" in outside.json()["errors"]
    body = api.get(f"/activities/plans/{plan.pk}").json()
    assert body["figures"]["planned"] == 1 and body["figures"]["goals_achieved"] == 1
    assert [a["summary"] for a in body["activities"]] == ["Tour"]


def test_notes_need_if_match(world, api_as, plan):
    api = api_as(world.east_rep)
    assert api.patch(f"/activities/plans/{plan.pk}", {"notes": "x"}).status_code == 428
    assert api.patch(f"/activities/plans/{plan.pk}", {"notes": "x"}, if_match=1).status_code == 200
    assert api.patch(f"/activities/plans/{plan.pk}", {"notes": "y"}, if_match=1).status_code == 412


def test_comments_from_the_manager_only_and_404_outside(world, api_as, plan):
    assert (
        api_as(world.east_mgr).post(f"/activities/plans/{plan.pk}/comments", {"text": "Good"}).status_code
        == 201
    )
    assert (
        api_as(world.east_rep).post(f"/activities/plans/{plan.pk}/comments", {"text": "x"}).status_code == 403
    )
    assert api_as(world.east_mgr).post(f"/activities/plans/{plan.pk}/goals", {"text": "x"}).status_code == 403
    for outsider in (world.east_rep2, world.west_mgr):
        assert api_as(outsider).get(f"/activities/plans/{plan.pk}").status_code == 404
    comments = api_as(world.east_rep).get(f"/activities/plans/{plan.pk}").json()["comments"]
    assert [c["text"] for c in comments] == ["Good"]


def test_plan_vs_actual_per_rep_and_team(world, api_as, plan):
    body = (
        api_as(world.director)
        .get(
            "/activities/plan-vs-actual", {"period": "week", "starts_on": "2026-06-03", "team": world.east.pk}
        )
        .json()
    )
    assert body["starts_on"] == MONDAY and body["ended"] is True
    reps = {r["person"]["name"]: r for r in body["reps"]}
    assert reps[str(world.east_rep)]["plan"] == plan.pk
    assert [t["team"]["name"] for t in body["teams"]] == ["East"]
    refused = api_as(world.east_mgr).get("/activities/plan-vs-actual", {"team": world.west.pk})
    assert refused.status_code == 422


def test_the_plan_list_reads_the_same_statements_for_more_plans(world, api_as, django_assert_max_num_queries):
    api = api_as(world.east_mgr)
    plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=dt.date(2026, 6, 1))
    api.get("/activities/plans")
    for week in range(1, 6):
        start = dt.date(2026, 6, 1) + dt.timedelta(weeks=week)
        plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=start)
        plans.create_plan(by=world.east_rep2, period=PlanPeriod.WEEK, starts_on=start)
    with django_assert_max_num_queries(6):
        body = api.get("/activities/plans").json()
    assert body["count"] == 11
    assert {item["owner"]["id"] for item in body["items"]} == {world.east_rep.pk, world.east_rep2.pk}
