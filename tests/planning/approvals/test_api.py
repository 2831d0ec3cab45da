from __future__ import annotations

import pytest

from kam.planning.approvals import services
from kam.planning.approvals.models import ApprovalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    return services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)


def test_awaiting_lists_only_mine(api_as, world, pending, django_assert_max_num_queries):
    api = api_as(world.east_mgr)
    with django_assert_max_num_queries(6):
        body = api.get("/planning/approvals/awaiting").json()
    assert [r["id"] for r in body] == [pending.pk]
    assert body[0]["flow"] == "initiation"
    assert body[0]["current_step"]["name"]
    assert api_as(world.west_mgr).get("/planning/approvals/awaiting").json() == []


def test_detail_with_steps_and_decisions(api_as, world, pending):
    services.decide(pending, by=world.east_mgr, approve=True, comment="ok")
    response = api_as(world.east_rep).get(f"/planning/approvals/{pending.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert [s["approvers"][0]["id"] for s in body["steps"]] == [world.east_mgr.pk, world.director.pk]
    assert body["decisions"][0]["comment"] == "ok"
    assert api_as(world.west_rep).get(f"/planning/approvals/{pending.pk}").status_code == 404


def test_decide_needs_the_version_and_a_comment_to_reject(api_as, world, pending):
    api = api_as(world.east_mgr)
    path = f"/planning/approvals/{pending.pk}/decide"
    assert api.post(path, {"approve": True}).status_code == 428
    assert api.post(path, {"approve": True}, if_match=7).status_code == 412
    refused = api.post(path, {"approve": False, "comment": ""}, if_match=1)
    assert refused.status_code == 409
    assert "comment" in refused.json()["errors"]

    done = api.post(path, {"approve": False, "comment": "Budget unclear", "version": 1})
    assert done.status_code == 200
    assert done.json()["status"] == ApprovalStatus.REJECTED


def test_wrong_approver_gets_a_409(api_as, world, pending):
    response = api_as(world.director).post(
        f"/planning/approvals/{pending.pk}/decide", {"approve": True}, if_match=1
    )
    assert response.status_code == 409
    assert "not an approver" in response.json()["message"]
