"""The commission API: plans, splits, statements, approval steps with If-Match, recompute and
differences, and what each person may see."""

from __future__ import annotations

import pytest

from kam.opportunities.models import MemberRole, Opportunity
from kam.opportunities.services import set_member
from tests.team.commission.helpers import D, plan, won

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    plan(world.admin, [world.east_rep, world.east_rep2, world.west_rep], name="Sales 2026")
    return world


def test_create_a_plan_and_update_it_with_if_match(world, api_as):
    admin = api_as(world.admin)
    body = {
        "name": "Key accounts",
        "base": "won",
        "band_kind": "amount",
        "cap": "200000",
        "people": [world.east_rep.pk],
        "layers": [{"name": "New A", "tiers": "A", "customer_kind": "new", "factor": "1.5"}],
        "bands": [{"lower": "0", "rate": "2"}, {"lower": "1000000", "rate": "3"}],
    }
    created = admin.post("/team/commission/plans", body)
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    assert created.json()["layers"][0]["factor"] == "1.500"
    assert api_as(world.east_mgr).post("/team/commission/plans", {**body, "name": "Other"}).status_code == 403
    assert admin.patch(f"/team/commission/plans/{plan_id}", {"cap": "1"}).status_code == 428
    assert admin.patch(f"/team/commission/plans/{plan_id}", {"cap": "1"}, if_match=7).status_code == 412
    changed = admin.patch(
        f"/team/commission/plans/{plan_id}", {"bands": [{"lower": "0", "rate": "4"}]}, if_match=1
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["bands"] == [{"lower": "0.00", "rate": "4.000"}]
    assert changed["ETag"] == '"2"'
    bad = admin.patch(
        f"/team/commission/plans/{plan_id}", {"bands": [{"lower": "5", "rate": "4"}]}, if_match=2
    )
    assert bad.status_code == 422 and "first band starts at 0" in str(bad.json()["errors"])


def test_split_over_the_api(setup, api_as):
    w = setup
    deal = w.east_opp
    set_member(deal, w.east_rep2, by=w.east_rep, role=MemberRole.MEMBER)
    rep = api_as(w.east_rep)
    got = rep.get(f"/team/commission/deals/{deal.pk}/split")
    assert got.json()["is_default"] is True and got["ETag"] == '"0"'
    shares = [{"user": w.east_rep.pk, "share": "60"}, {"user": w.east_rep2.pk, "share": "30"}]
    refused = rep.client.put(
        f"/api/v1/team/commission/deals/{deal.pk}/split",
        {"shares": shares},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {rep.raw}",
        HTTP_IF_MATCH='"0"',
    )
    assert refused.status_code == 422
    assert "must add up to 100 %" in str(refused.json()["errors"])
    shares[1]["share"] = "40"
    ok = rep.client.put(
        f"/api/v1/team/commission/deals/{deal.pk}/split",
        {"shares": shares},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {rep.raw}",
        HTTP_IF_MATCH='"0"',
    )
    assert ok.status_code == 200, ok.content
    assert [(s["user"]["id"], s["share"]) for s in ok.json()["shares"]] == [
        (w.east_rep.pk, "60.00"),
        (w.east_rep2.pk, "40.00"),
    ]
    assert api_as(w.west_rep).get(f"/team/commission/deals/{deal.pk}/split").status_code == 404


def test_statement_flow_over_the_api(setup, api_as):
    w = setup
    deal = won(w.east_rep, "1500000")
    mgr, rep = api_as(w.east_mgr), api_as(w.east_rep)
    created = mgr.post("/team/commission/statements", {"person": w.east_rep.pk, "period": "2026 Q3"})
    assert created.status_code == 201, created.content
    body = created.json()
    sid = body["id"]
    assert body["total"] == "35000.00"
    assert [(line["band"], line["portion"], line["rate"], line["amount"]) for line in body["lines"]] == [
        ("0–1,000,000", "1000000.00", "2.0000", "20000.00"),
        ("1,000,000–2,000,000", "500000.00", "3.0000", "15000.00"),
    ]
    assert body["lines"][0]["opportunity"] == deal.pk
    again = mgr.post("/team/commission/statements", {"person": w.east_rep.pk, "period": "2026 Q3"})
    assert again.status_code == 409
    assert (
        rep.post("/team/commission/statements", {"person": w.east_rep.pk, "period": "2026-08"}).status_code
        == 403
    )
    assert (
        mgr.post("/team/commission/statements", {"person": w.east_rep.pk, "period": "sometime"}).status_code
        == 422
    )

    assert rep.post(f"/team/commission/statements/{sid}/submit", {}).status_code == 428
    assert rep.post(f"/team/commission/statements/{sid}/submit", {}, if_match=1).status_code == 200
    assert rep.post(f"/team/commission/statements/{sid}/approve", {}, if_match=2).status_code == 403
    approved = mgr.post(f"/team/commission/statements/{sid}/approve", {}, if_match=2)
    assert approved.json()["status"] == "approved"

    Opportunity.objects.filter(pk=deal.pk).update(amount=D("2000000"))
    revised = mgr.post(f"/team/commission/statements/{sid}/recompute", {}, if_match=3)
    assert revised.status_code == 200, revised.content
    new = revised.json()
    assert (new["revision"], new["previous"], new["status"], new["total"]) == (2, sid, "draft", "50000.00")
    diffs = mgr.get(f"/team/commission/statements/{new['id']}/differences").json()
    assert [(d["change"], d["before"], d["after"], d["delta"]) for d in diffs] == [
        ("changed", "15000.00", "30000.00", "15000.00")
    ]
    assert mgr.get(f"/team/commission/statements/{sid}").json()["total"] == "35000.00"


def test_visibility_of_statements(setup, api_as):
    w = setup
    won(w.east_rep, "100000")
    won(w.west_rep, "100000")
    east = (
        api_as(w.east_mgr)
        .post("/team/commission/statements", {"person": w.east_rep.pk, "period": "2026 Q3"})
        .json()
    )
    west = (
        api_as(w.west_mgr)
        .post("/team/commission/statements", {"person": w.west_rep.pk, "period": "2026 Q3"})
        .json()
    )
    assert (
        api_as(w.west_mgr)
        .post("/team/commission/statements", {"person": w.east_rep.pk, "period": "2026 Q4"})
        .status_code
        == 422
    )
    assert {s["id"] for s in api_as(w.east_rep).get("/team/commission/statements").json()} == {east["id"]}
    assert api_as(w.east_rep2).get("/team/commission/statements").json() == []
    assert {s["id"] for s in api_as(w.east_mgr).get("/team/commission/statements").json()} == {east["id"]}
    assert {s["id"] for s in api_as(w.director).get("/team/commission/statements").json()} == {
        east["id"],
        west["id"],
    }
    assert api_as(w.east_rep).get(f"/team/commission/statements/{west['id']}").status_code == 404
    assert api_as(w.east_rep2).get(f"/team/commission/statements/{east['id']}").status_code == 404
    assert api_as(w.east_mgr).get(f"/team/commission/statements/{west['id']}").status_code == 404
    assert api_as(w.east_rep).get("/team/commission/statements/abc").status_code == 404
