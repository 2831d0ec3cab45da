"""The OGSM cascade over JSON: a round trip through every level, If-Match on writes (428 without,
412 stale), a closed plan refusing writes, another team's plan a 404."""

from __future__ import annotations

import pytest

from kam.planning.accountplans.models import PlanGoal, PlanObjective, PlanStatus
from tests.planning.accountplans.ogsm.helpers import make_cascade, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return make_plan(world.east_customer, world.east_rep)


def _delete(api, path, *, if_match=None):
    return api.client.delete("/api/v1" + path, **api._headers(if_match))


def test_round_trip_through_every_level(world, plan, api_as):
    api = api_as(world.east_rep)
    empty = api.get(f"/planning/account-plans/{plan.pk}/ogsm")
    assert empty.status_code == 200
    assert empty.json()["objectives"] == [] and empty.json()["editable"] is True
    objective = api.post(f"/planning/account-plans/{plan.pk}/ogsm/objectives", {"text": "Preferred supplier"})
    assert objective.status_code == 201 and objective["ETag"] == '"1"'
    goal = api.post(
        f"/planning/account-plans/ogsm/objectives/{objective.json()['id']}/goals",
        {"text": "Visits", "metric": "visits", "target": "12", "due_date": "2026-12-31"},
    )
    assert goal.status_code == 201, goal.json()
    strategy = api.post(
        f"/planning/account-plans/ogsm/goals/{goal.json()['id']}/strategies", {"text": "Meet often"}
    )
    measure = api.post(
        f"/planning/account-plans/ogsm/strategies/{strategy.json()['id']}/measures",
        {"text": "Monthly visit", "target": "1 a month"},
    )
    action = api.post(
        f"/planning/account-plans/ogsm/measures/{measure.json()['id']}/actions",
        {"text": "Visit in January", "owner": world.east_rep.pk, "due_date": "2026-01-20"},
    )
    assert action.status_code == 201, action.json()
    body = api.get(f"/planning/account-plans/{plan.pk}/ogsm").json()
    g = body["objectives"][0]["goals"][0]
    assert g["metric"] == "visits" and g["actual"] == "0.00" and g["source"]
    assert g["status"] in ("on_track", "off_track")
    a = g["strategies"][0]["measures"][0]["actions"][0]
    assert a["text"] == "Visit in January" and a["owner"]["id"] == world.east_rep.pk
    assert a["status"] == "open"

    patched = api.patch(
        f"/planning/account-plans/ogsm/goals/{g['id']}", {"target": "24", "manual_actual": None}, if_match=1
    )
    assert patched.status_code == 200, patched.json()
    assert patched["ETag"] == '"2"'
    assert PlanGoal.objects.get(pk=g["id"]).target == 24
    done = api.post(f"/planning/account-plans/ogsm/actions/{a['id']}/status", {"status": "done"}, if_match=1)
    assert done.status_code == 200
    assert (
        api.get(f"/planning/account-plans/{plan.pk}/ogsm").json()["objectives"][0]["goals"][0]["strategies"][
            0
        ]["measures"][0]["actions"][0]["status"]
        == "done"
    )
    removed = _delete(api, f"/planning/account-plans/ogsm/objectives/{objective.json()['id']}", if_match=1)
    assert removed.status_code == 204
    assert not PlanObjective.objects.filter(plan=plan).exists()


def test_writes_need_a_current_if_match(world, plan, api_as):
    goal = make_cascade(plan, world.east_rep)["goal"]
    api = api_as(world.east_rep)
    path = f"/planning/account-plans/ogsm/goals/{goal.pk}"
    assert api.patch(path, {"text": "x"}).status_code == 428
    assert api.patch(path, {"text": "x"}, if_match=goal.version + 1).status_code == 412
    assert _delete(api, path).status_code == 428
    assert api.patch(path, {"text": None}, if_match=goal.version).status_code == 422
    assert api.patch(path, {"order": 3}, if_match=goal.version).status_code == 422
    assert PlanGoal.objects.get(pk=goal.pk).text == "Grow revenue"


def test_closed_plan_refuses_writes(world, plan, api_as):
    objective = make_cascade(plan, world.east_rep)["objective"]
    plan.status = PlanStatus.CLOSED
    plan.save()
    api = api_as(world.east_rep)
    assert api.get(f"/planning/account-plans/{plan.pk}/ogsm").json()["editable"] is False
    response = api.post(f"/planning/account-plans/{plan.pk}/ogsm/objectives", {"text": "Late"})
    assert response.status_code == 409
    assert "closed" in response.json()["message"]
    response = api.patch(
        f"/planning/account-plans/ogsm/objectives/{objective.pk}", {"text": "Late"}, if_match=1
    )
    assert response.status_code == 409


def test_another_team_is_404(world, plan, api_as):
    branch = make_cascade(plan, world.east_rep)
    api = api_as(world.west_rep)
    assert api.get(f"/planning/account-plans/{plan.pk}/ogsm").status_code == 404
    assert api.post(f"/planning/account-plans/{plan.pk}/ogsm/objectives", {"text": "x"}).status_code == 404
    assert (
        api.patch(
            f"/planning/account-plans/ogsm/goals/{branch['goal'].pk}", {"text": "x"}, if_match=1
        ).status_code
        == 404
    )
    assert (
        _delete(api, f"/planning/account-plans/ogsm/actions/{branch['action'].pk}", if_match=1).status_code
        == 404
    )


def test_action_owner_who_cannot_see_the_customer_is_422(world, plan, api_as):
    measure = make_cascade(plan, world.east_rep)["measure"]
    api = api_as(world.director)
    response = api.post(
        f"/planning/account-plans/ogsm/measures/{measure.pk}/actions",
        {"text": "Call", "owner": world.west_rep.pk, "due_date": "2026-03-01"},
    )
    assert response.status_code == 422
    assert "cannot see this customer" in response.json()["errors"]["owner"][0]


def test_move_and_plan_as_activity(world, plan, api_as):
    branch = make_cascade(plan, world.east_rep)
    api = api_as(world.east_rep)
    second = api.post(f"/planning/account-plans/{plan.pk}/ogsm/objectives", {"text": "Second"}).json()
    moved = api.post(
        f"/planning/account-plans/ogsm/objectives/{second['id']}/move", {"position": 1}, if_match=1
    )
    assert moved.status_code == 200
    assert (
        list(PlanObjective.objects.filter(plan=plan).order_by("order").values_list("text", flat=True))[0]
        == "Second"
    )
    action = branch["action"]
    planned = api.post(
        f"/planning/account-plans/ogsm/actions/{action.pk}/activity", {}, if_match=action.version
    )
    assert planned.status_code == 201, planned.json()
    action.refresh_from_db()
    assert action.activity is not None and action.activity.status == "planned"
    again = api.post(
        f"/planning/account-plans/ogsm/actions/{action.pk}/activity", {}, if_match=action.version
    )
    assert again.status_code == 409
