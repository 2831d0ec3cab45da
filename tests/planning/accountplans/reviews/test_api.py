"""The rolling cycle over JSON: reviews due and the reminder count, a plan's reviews and recording
one with If-Match (428 without, 412 stale), the collective review, the cycle GET/PUT, the
portfolio; another team's plan is a 404."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from kam.planning.accountplans.models import PlanningCycle, PlanReview
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _days(n):
    return _today() + dt.timedelta(days=n)


def _put(api, path, body, *, if_match=None):
    return api.client.put(
        "/api/v1" + path, json.dumps(body), content_type="application/json", **api._headers(if_match)
    )


def test_reviews_due_and_the_reminder_count(world, api_as, make_plan):
    overdue = make_plan(world.east_customer, segment="key", next_due=_days(-3))
    make_plan(CustomerFactory(owner=world.east_rep2, name="Soon"), segment="important", next_due=_days(5))
    make_plan(CustomerFactory(owner=world.east_rep2, name="Later"), segment="key", next_due=_days(90))
    make_plan(world.west_customer, segment="key", next_due=_days(-3))
    api = api_as(world.east_mgr)
    body = api.get("/planning/account-plans/reviews/due").json()
    assert body["count"] == 2
    assert [i["customer"]["name"] for i in body["items"]] == ["East Steel", "Soon"]
    first = body["items"][0]
    assert first["overdue"] is True and first["days_overdue"] == 3 and first["plan"] == overdue.pk
    assert body["by_segment"] == {"key": 1, "important": 1}
    assert body["remind_days_before"]["key"] == 14
    assert api.get("/planning/account-plans/reviews/due", {"segment": "important"}).json()["count"] == 1
    assert api.get("/planning/account-plans/reviews/due", {"overdue": "true"}).json()["count"] == 1
    mine = api.get("/planning/account-plans/reviews/due", {"owner": world.east_rep2.pk}).json()
    assert [i["customer"]["name"] for i in mine["items"]] == ["Soon"]
    assert api.get("/planning/account-plans/reviews/due", {"segment": "nope"}).status_code == 422
    assert api_as(world.east_rep).get("/planning/account-plans/reviews/reminder").json() == {"count": 1}
    assert api_as(world.east_rep2).get("/planning/account-plans/reviews/reminder").json() == {"count": 1}
    assert api.get("/planning/account-plans/reviews/reminder").json() == {"count": 0}


def test_record_a_review_with_if_match(world, api_as, make_plan):
    plan = make_plan(world.east_customer, segment="key", next_due=_days(-1))
    api = api_as(world.east_rep)
    path = f"/planning/account-plans/{plan.pk}/reviews"
    read = api.get(path)
    assert read.status_code == 200 and read.json()["reviews"] == []
    etag = read["ETag"]
    body = {"held_on": _today().isoformat(), "conclusions": "On plan.", "participants": [world.east_mgr.pk]}
    assert api.post(path, body).status_code == 428
    assert api.post(path, body, if_match='"999"').status_code == 412
    created = api.post(path, body, if_match=etag)
    assert created.status_code == 201
    review = created.json()
    assert review["conclusions"] == "On plan." and review["participants"][0]["id"] == world.east_mgr.pk
    assert review["next_due"] is not None and created["ETag"] != etag
    # The version read before is stale now.
    assert api.post(path, body, if_match=etag).status_code == 412
    listed = api.get(path).json()
    assert listed["next_review_due"] == review["next_due"]
    assert [r["id"] for r in listed["reviews"]] == [review["id"]]


def test_a_bad_review_is_422_and_another_teams_plan_404(world, api_as, make_plan):
    plan = make_plan(world.east_customer)
    api = api_as(world.east_rep)
    path = f"/planning/account-plans/{plan.pk}/reviews"
    future = api.post(path, {"held_on": _days(2).isoformat(), "conclusions": "x"}, if_match=plan.version)
    assert future.status_code == 422 and "held_on" in future.json()["errors"]
    empty = api.post(path, {"held_on": _today().isoformat(), "conclusions": " "}, if_match=plan.version)
    assert empty.status_code == 422 and empty.json()["errors"]["conclusions"] == [
        "Write the review's conclusions."
    ]
    unknown = api.post(
        path, {"held_on": _today().isoformat(), "conclusions": "x", "extra": 1}, if_match=plan.version
    )
    assert unknown.status_code == 422
    west = api_as(world.west_rep)
    assert west.get(path).status_code == 404
    assert (
        west.post(
            path, {"held_on": _today().isoformat(), "conclusions": "x"}, if_match=plan.version
        ).status_code
        == 404
    )
    assert not PlanReview.objects.exists()


def test_the_collective_review(world, api_as, make_plan):
    one = make_plan(world.east_customer, segment="general")
    two = make_plan(CustomerFactory(owner=world.east_rep2, name="Two"), segment="general")
    hidden = make_plan(world.west_customer, segment="general")
    api = api_as(world.east_mgr)
    path = "/planning/account-plans/reviews/collective"
    body = {
        "held_on": _today().isoformat(),
        "conclusions": "Shared.",
        "plans": [
            {"plan": one.pk, "version": one.version},
            {"plan": two.pk, "version": two.version, "conclusions": "Own."},
        ],
    }
    stale = {**body, "plans": [{"plan": one.pk, "version": one.version + 5}]}
    assert api.post(path, stale).status_code == 412
    assert api.post(path, {**body, "plans": [{"plan": hidden.pk, "version": 1}]}).status_code == 422
    created = api.post(path, body)
    assert created.status_code == 201
    assert [r["conclusions"] for r in created.json()["reviews"]] == ["Shared.", "Own."]
    assert {r["kind"] for r in created.json()["reviews"]} == {"collective"}
    assert not PlanReview.objects.filter(plan=hidden).exists()


def test_the_cycle_get_and_put(world, api_as):
    year = _today().year + 1
    path = f"/planning/account-plans/cycles/{year}"
    body = {
        "preparation_starts": f"{year - 1}-09-01",
        "drafting_starts": f"{year - 1}-09-21",
        "drafting_ends": f"{year - 1}-11-30",
        "review_by": f"{year - 1}-12-18",
        "implementation_starts": f"{year}-01-01",
        "expectations": "Grow.",
    }
    director = api_as(world.director)
    assert director.get(path).status_code == 404
    assert _put(api_as(world.east_mgr), path, body).status_code == 403
    created = _put(director, path, body)
    assert created.status_code == 201 and created["ETag"] == '"1"'
    assert [p["key"] for p in created.json()["phases"]] == [
        "preparation",
        "drafting",
        "review",
        "implementation",
    ]
    assert _put(director, path, {**body, "review_by": f"{year - 1}-12-19"}).status_code == 428
    disorder = _put(director, path, {**body, "drafting_ends": f"{year - 1}-09-01"}, if_match=1)
    assert disorder.status_code == 422 and "drafting_ends" in disorder.json()["errors"]
    changed = _put(director, path, {**body, "review_by": f"{year - 1}-12-19"}, if_match=1)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert _put(director, path, body, if_match=1).status_code == 412
    read = api_as(world.east_rep).get(path)
    assert read.status_code == 200 and read.json()["review_by"] == f"{year - 1}-12-19"
    assert PlanningCycle.objects.get(year=year).updated_by == world.director


def test_the_portfolio(world, api_as, make_plan):
    make_plan(world.east_customer, segment="key", next_due=_days(-2))
    CustomerFactory(owner=world.east_rep, name="Unplanned", segment="key")
    CustomerFactory(owner=world.west_rep, name="West Unplanned", segment="key")
    body = api_as(world.east_mgr).get("/planning/account-plans/portfolio", {"sort": "due"}).json()
    key = body["groups"][0]
    assert key["segment"] == "key" and key["customers"] == 2
    assert (key["with_active_plan"], key["without_active_plan"], key["overdue"]) == (1, 1, 1)
    assert [r["customer"]["name"] for r in key["rows"]] == ["East Steel", "Unplanned"]
    assert key["rows"][0]["days_overdue"] == 2 and key["rows"][1]["no_active_plan"] is True
    assert api_as(world.east_mgr).get("/planning/account-plans/portfolio", {"sort": "x"}).status_code == 422
