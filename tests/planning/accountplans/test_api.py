"""Account plans over JSON: list with filters, create and the one-per-year rule, the plan with its
ETag, section edits needing If-Match (428 without, 412 stale), submit → approve → active, team,
shares, forecast, revisions and history; another team's plan is a 404 and never listed."""

from __future__ import annotations

import json

import pytest

from kam.planning.accountplans import services
from kam.planning.accountplans.models import AccountPlan
from kam.planning.approvals import services as approvals
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BASE = "/planning/account-plans"


def _delete(api, path, *, if_match=None):
    return api.client.delete("/api/v1" + path, **api._headers(if_match))


def _put(api, path, body, *, if_match=None):
    return api.client.put(
        "/api/v1" + path, json.dumps(body), content_type="application/json", **api._headers(if_match)
    )


def test_create_read_and_the_one_per_year_rule(world, api_as):
    api = api_as(world.east_rep)
    created = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027, "executive_summary": "Grow"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["owner"]["id"] == world.east_rep.pk
    assert [r["year"] for r in body["forecast"]] == [2027, 2028, 2029, 2030, 2031]
    assert [m["role"] for m in body["members"]] == ["lead"]
    assert created["ETag"] == '"1"'
    assert body["links"]["ogsm"] == f"/planning/accounts/{body['id']}/ogsm/"

    again = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027})
    assert again.status_code == 422
    assert "already has an account plan" in again.json()["errors"]["year"][0]

    read = api.get(f"{BASE}/{body['id']}")
    assert read.status_code == 200 and read.json()["executive_summary"] == "Grow"


def test_create_for_a_customer_out_of_view_is_404(world, api_as):
    api = api_as(world.east_rep)
    assert api.post(BASE, {"customer": world.west_customer.pk, "year": 2027}).status_code == 404
    assert not AccountPlan.objects.exists()


def test_bad_input_is_422(world, api_as):
    api = api_as(world.east_rep)
    response = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027, "target_share": 150})
    assert response.status_code == 422
    response = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027, "nonsense": 1})
    assert response.status_code == 422


def test_the_list_filters_and_never_leaks(world, api_as):
    services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    services.create_plan(customer=world.east_customer, year=2026, by=world.east_rep)
    services.create_plan(customer=world.west_customer, year=2027, by=world.west_rep)
    east = api_as(world.east_rep)
    body = east.get(BASE).json()
    assert body["count"] == 2
    assert {p["customer"]["id"] for p in body["items"]} == {world.east_customer.pk}
    assert east.get(BASE, {"year": 2026}).json()["count"] == 1
    assert east.get(BASE, {"status": "active"}).json()["count"] == 0
    assert east.get(BASE, {"status": "nope"}).status_code == 422
    assert api_as(world.director).get(BASE).json()["count"] == 3
    # A manager sees the plans of the team's customers, not the other team's.
    assert api_as(world.east_mgr).get(BASE).json()["count"] == 2
    assert api_as(world.west_mgr).get(BASE).json()["count"] == 1


def test_another_teams_plan_is_404_for_every_route(world, api_as):
    plan = services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    west = api_as(world.west_rep)
    assert west.get(f"{BASE}/{plan.pk}").status_code == 404
    assert west.patch(f"{BASE}/{plan.pk}", {"business_risks": "x"}, if_match=1).status_code == 404
    assert west.post(f"{BASE}/{plan.pk}/submit", {}, if_match=1).status_code == 404
    assert west.get(f"{BASE}/{plan.pk}/history").status_code == 404
    assert west.get(f"{BASE}/{plan.pk}/revisions").status_code == 404


def test_a_member_of_the_plan_sees_it(world, api_as):
    plan = services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    services.add_member(plan, by=world.east_rep, version=plan.version, user=world.west_rep)
    assert api_as(world.west_rep).get(f"{BASE}/{plan.pk}").status_code == 200


def test_edits_need_if_match_and_a_stale_one_is_412(world, api_as):
    plan = services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    api = api_as(world.east_rep)
    path = f"{BASE}/{plan.pk}"
    assert api.patch(path, {"business_risks": "Rival"}).status_code == 428
    ok = api.patch(path, {"business_risks": "Rival"}, if_match=1)
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = api.patch(path, {"business_risks": "Stale"}, if_match=1)
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert api.patch(path, {"executive_summary": None}, if_match=2).status_code == 422
    plan.refresh_from_db()
    assert plan.business_risks == "Rival"


def test_submit_approve_and_close(world, api_as):
    world.east_customer.segment = "key"
    world.east_customer.save()
    api = api_as(world.east_rep)
    plan_id = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027}).json()["id"]
    missing = api.post(f"{BASE}/{plan_id}/submit", {}, if_match=1)
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == set(services.REQUIRED_TO_SUBMIT)
    api.patch(
        f"{BASE}/{plan_id}",
        {"executive_summary": "Grow", "customer_objectives": "Win", "revenue_target": "1000000"},
        if_match=1,
    )
    submitted = api.post(f"{BASE}/{plan_id}/submit", {}, if_match=2)
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["approval"]["status"] == "pending"
    assert api.patch(f"{BASE}/{plan_id}", {"resources": "x"}, if_match=3).status_code == 409

    plan = AccountPlan.objects.get(pk=plan_id)
    approvals.decide(plan.approval, by=world.east_mgr, approve=True)
    approvals.decide(plan.approval, by=world.director, approve=True)
    active = api.get(f"{BASE}/{plan_id}").json()
    assert active["status"] == "active" and active["next_review_due"] is not None
    closed = api.post(f"{BASE}/{plan_id}/close", {}, if_match=active["version"])
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_withdraw_a_submitted_plan(world, api_as):
    plan = services.create_plan(
        customer=world.east_customer,
        year=2027,
        by=world.east_rep,
        executive_summary="Grow",
        customer_objectives="Win",
        revenue_target=1000,
    )
    services.submit_plan(plan, by=world.east_rep)
    api = api_as(world.east_rep)
    response = api.post(f"{BASE}/{plan.pk}/withdraw", {}, if_match=plan.version)
    assert response.status_code == 200 and response.json()["status"] == "draft"


def test_team_shares_and_forecast(world, api_as):
    api = api_as(world.east_rep)
    plan_id = api.post(BASE, {"customer": world.east_customer.pk, "year": 2027}).json()["id"]
    added = api.post(
        f"{BASE}/{plan_id}/members", {"user": world.east_rep2.pk, "role": "solution"}, if_match=1
    )
    assert added.status_code == 201 and added["ETag"] == '"2"'
    member_id = next(m["id"] for m in added.json()["members"] if m["user"]["id"] == world.east_rep2.pk)
    changed = api.patch(f"{BASE}/{plan_id}/members/{member_id}", {"time_share": "25"}, if_match=2)
    assert changed.status_code == 200
    owner_id = next(m["id"] for m in changed.json()["members"] if m["role"] == "lead")
    assert _delete(api, f"{BASE}/{plan_id}/members/{owner_id}", if_match=3).status_code == 409
    assert _delete(api, f"{BASE}/{plan_id}/members/{member_id}", if_match=3).status_code == 200

    share = api.post(
        f"{BASE}/{plan_id}/shares",
        {"product_line": "Furnaces", "region": "East", "customer_demand": "800", "our_revenue": "200"},
        if_match=4,
    )
    assert share.status_code == 201
    assert share.json()["shares"][0]["share"] == "25.0"
    share_id = share.json()["shares"][0]["id"]
    assert (
        api.patch(f"{BASE}/{plan_id}/shares/{share_id}", {"our_revenue": "400"}, if_match=5).json()["shares"][
            0
        ]["share"]
        == "50.0"
    )
    assert _delete(api, f"{BASE}/{plan_id}/shares/{share_id}", if_match=6).json()["shares"] == []

    forecast = _put(
        api, f"{BASE}/{plan_id}/forecast", {"rows": [{"year": 2028, "revenue": "7000"}]}, if_match=7
    )
    assert forecast.status_code == 200
    assert forecast.json()["forecast"][1] == {
        "year": 2028,
        "revenue": "7000.00",
        "contribution": None,
        "cost_to_serve": None,
        "share": None,
    }
    wrong_year = _put(
        api, f"{BASE}/{plan_id}/forecast", {"rows": [{"year": 2040, "revenue": "1"}]}, if_match=8
    )
    assert wrong_year.status_code == 422


def test_revisions_and_history(world, api_as):
    plan = services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    services.update_plan(plan, by=world.east_rep, version=plan.version, executive_summary="Second")
    services.record_change(plan, by=world.east_rep, action="ogsm", summary="Goal added")
    api = api_as(world.east_rep)
    revisions = api.get(f"{BASE}/{plan.pk}/revisions").json()
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[0]["snapshot"] is None
    second = api.get(f"{BASE}/{plan.pk}/revisions/2").json()
    assert second["snapshot"]["sections"]["executive_summary"] == "Second"
    assert api.get(f"{BASE}/{plan.pk}/revisions/7").status_code == 404
    history = api.get(f"{BASE}/{plan.pk}/history").json()
    assert [h["action"] for h in history] == ["ogsm", "edited", "created"]


def test_the_list_reads_in_a_bounded_number_of_queries(world, api_as, django_assert_max_num_queries):
    for _number in range(20):
        customer = CustomerFactory(owner=world.east_rep)
        services.create_plan(customer=customer, year=2027, by=world.east_rep)
    api = api_as(world.east_rep)
    api.get(BASE)
    with django_assert_max_num_queries(4):
        body = api.get(BASE, {"limit": 50}).json()
    assert body["count"] == 20 and len(body["items"]) == 20


def test_a_pooled_customer_is_claimed_before_it_is_planned(world, api_as):
    pooled = CustomerFactory(owner=world.west_rep, in_pool=True)
    response = api_as(world.east_rep).post(BASE, {"customer": pooled.pk, "year": 2027})
    assert response.status_code == 409
    assert "Claim the customer" in response.json()["message"]
    assert not AccountPlan.objects.exists()
