from __future__ import annotations

import pytest

from kam.planning.initiation.models import InitiationReport
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

BODY = {
    "background": "Plant expansion",
    "customer_needs": "Two new lines",
    "our_solution": "Turnkey furnace",
    "expense_budget": "50000",
    "gross_margin": "30",
}


@pytest.fixture
def deal(world):
    return make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P2")


def test_get_before_the_first_save_is_the_prefill(api_as, world, deal):
    response = api_as(world.east_rep).get(f"/planning/initiation/{deal.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"0"'
    body = response.json()
    assert body["status"] == "not_started"
    assert body["elements"]["project_number"] == deal.project_number
    assert api_as(world.west_rep).get(f"/planning/initiation/{deal.pk}").status_code == 404


def test_save_submit_and_the_approvers_decide(api_as, world, deal):
    rep = api_as(world.east_rep)
    path = f"/planning/initiation/{deal.pk}"
    assert rep.patch(path, BODY).status_code == 428
    saved = rep.patch(path, BODY, if_match=0)
    assert saved.status_code == 200
    assert saved.json()["version"] == 1
    assert rep.patch(path, {"risks": "x"}, if_match=0).status_code == 412
    assert rep.patch(path, {"gross_margin": "300"}, if_match=1).status_code == 422

    submitted = rep.post(f"{path}/submit", {}, if_match=1)
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "pending"
    request_id = body["approval"]["id"]

    assert rep.patch(path, {"risks": "late"}, if_match=body["version"]).status_code == 409
    manager = api_as(world.east_mgr)
    assert (
        manager.post(f"/planning/approvals/{request_id}/decide", {"approve": True}, if_match=1).status_code
        == 200
    )
    director = api_as(world.director)
    assert (
        director.post(f"/planning/approvals/{request_id}/decide", {"approve": True}, if_match=2).status_code
        == 200
    )

    body = rep.get(path).json()
    assert body["status"] == "approved"
    assert [c["action"] for c in body["history"]][0] == "approved"
    assert InitiationReport.objects.get().status == "approved"


def test_submit_of_an_incomplete_report_is_a_422_naming_the_fields(api_as, world, deal):
    rep = api_as(world.east_rep)
    rep.patch(f"/planning/initiation/{deal.pk}", {"background": "x"}, if_match=0)
    response = rep.post(f"/planning/initiation/{deal.pk}/submit", {}, if_match=1)
    assert response.status_code == 422
    assert "our_solution" in response.json()["errors"]
