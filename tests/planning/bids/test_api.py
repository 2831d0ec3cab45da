"""The bid over JSON: read, start, versioned writes, decisions, visibility."""

from __future__ import annotations

import pytest

from kam.opportunities.models import Competitor
from kam.planning.approvals import services as approvals
from kam.planning.approvals.selectors import latest_for
from kam.planning.bids.models import Bid
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(world):
    return make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Bid deal"
    )


def _path(deal, tail: str = "") -> str:
    return f"/planning/opportunities/{deal.pk}/bid{tail}"


def _started(api, deal) -> dict:
    response = api.post(_path(deal), {"tender_reference": "ZB-1", "tender_deadline": "2027-01-15"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_bid_not_started_reads_as_null_with_the_minimum(world, deal, api_as):
    response = api_as(world.east_rep).get(_path(deal))
    assert response.status_code == 200
    body = response.json()
    assert body["bid"] is None
    assert body["minimum_margin"] == "15.00"
    assert body["opportunity"]["id"] == deal.pk
    assert body["initiation"] is None


def test_start_edit_and_read_the_whole_bid(world, deal, api_as):
    api = api_as(world.east_rep)
    body = _started(api, deal)["bid"]
    assert body["tender_reference"] == "ZB-1"
    assert body["compliance"]["items"] and body["criteria"]
    version = body["version"]
    response = api.post(
        _path(deal, "/cost-lines"),
        {"kind": "equipment", "description": "Furnace", "amount": "820000"},
        if_match=version,
    )
    assert response.status_code == 201, response.content
    version = response.json()["bid"]["version"]
    response = api.patch(
        _path(deal),
        {"price": "1000000", "partners": ["Sino Partner"], "presenters": [world.east_rep.pk]},
        if_match=version,
    )
    assert response.status_code == 200, response.content
    bid = response.json()["bid"]
    assert (bid["cost"], bid["margin"], bid["margin_status"]) == ("820000.00", "18.00", "above")
    assert bid["partners"] == ["Sino Partner"]
    assert [p["id"] for p in bid["presenters"]] == [world.east_rep.pk]
    assert response["ETag"] == f'"{bid["version"]}"'
    response = api.client.put(
        "/api/v1" + _path(deal, "/roles/project_manager"),
        '{"partner_name": "Li Wei (Sino Partner)"}',
        content_type="application/json",
        **api._headers(if_match=bid["version"]),
    )
    assert response.status_code == 200, response.content
    bid = response.json()["bid"]
    assert bid["roles"] == [
        {"role": "project_manager", "user": None, "partner_name": "Li Wei (Sino Partner)"}
    ]
    assert {h["action"] for h in bid["history"]} >= {"started", "cost-lines:added", "edited", "role"}


def test_writes_need_if_match_and_a_stale_one_is_refused(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    line = {"kind": "other", "description": "Bond", "amount": "1000"}
    assert api.post(_path(deal, "/cost-lines"), line).status_code == 428
    assert api.post(_path(deal, "/cost-lines"), line, if_match=version + 5).status_code == 412
    assert not Bid.objects.get(opportunity=deal).cost_lines.exists()


def test_a_line_is_edited_and_removed_by_its_id(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    bid = api.post(
        _path(deal, "/checkpoints"), {"due": "2027-01-10", "what": "Bid bond paid"}, if_match=version
    ).json()["bid"]
    checkpoint = bid["checkpoints"][0]
    bid = api.patch(
        _path(deal, f"/checkpoints/{checkpoint['id']}"), {"done": True}, if_match=bid["version"]
    ).json()["bid"]
    assert bid["checkpoints"][0]["done"] is True
    response = api.client.delete(
        "/api/v1" + _path(deal, f"/checkpoints/{checkpoint['id']}"), **api._headers(if_match=bid["version"])
    )
    assert response.status_code == 200
    assert response.json()["bid"]["checkpoints"] == []


def test_bad_input_gets_field_messages(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    response = api.post(
        _path(deal, "/compliance-items"), {"section": "price", "text": "x", "owner": 999999}, if_match=version
    )
    assert response.status_code == 422
    assert "owner" in response.json()["errors"]
    response = api.post(
        _path(deal, "/cost-lines"), {"kind": "gold", "description": "", "amount": "-1"}, if_match=version
    )
    assert response.status_code == 422


def test_no_bid_closes_the_deal(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    response = api.post(_path(deal, "/decision"), {"decision": "no_bid"}, if_match=version)
    assert response.status_code == 422
    assert "fatal_factors" in response.json()["errors"]
    response = api.post(
        _path(deal, "/decision"),
        {"decision": "no_bid", "fatal_factors": "Budget below our cost."},
        if_match=version,
    )
    assert response.status_code == 200, response.content
    assert response.json()["bid"]["decision"] == "no_bid"
    deal.refresh_from_db()
    assert deal.status == "dropped"


def test_bid_below_the_minimum_is_refused_until_the_price_is_approved(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    version = api.post(
        _path(deal, "/cost-lines"),
        {"kind": "equipment", "description": "Kit", "amount": "95"},
        if_match=version,
    ).json()["bid"]["version"]
    bid = api.patch(_path(deal), {"price": "100"}, if_match=version).json()["bid"]
    assert bid["margin_status"] == "below" and bid["needs_approval"] is True
    response = api.post(_path(deal, "/decision"), {"decision": "bid"}, if_match=bid["version"])
    assert response.status_code == 409
    response = api.post(_path(deal, "/price-approval"), {}, if_match=bid["version"])
    assert response.status_code == 200, response.content
    approval = response.json()["bid"]["price_approval"]
    assert approval["status"] == "pending" and approval["request_id"]


def test_lost_outcome_over_the_api(world, deal, api_as):
    Competitor.objects.create(name="Rival Co")
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    version = api.patch(_path(deal), {"price": "100"}, if_match=version).json()["bid"]["version"]
    version = api.post(_path(deal, "/decision"), {"decision": "bid"}, if_match=version).json()["bid"][
        "version"
    ]
    response = api.post(
        _path(deal, "/outcome"),
        {"outcome": "lost", "reason_choice": "price", "lost_to": "Rival Co"},
        if_match=version,
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.lost_to.name == "Rival Co"


def test_a_rep_of_another_team_gets_404_for_every_operation(world, deal, api_as):
    _started(api_as(world.east_rep), deal)
    outsider = api_as(world.west_rep)
    assert outsider.get(_path(deal)).status_code == 404
    assert (
        outsider.post(
            _path(deal, "/cost-lines"), {"kind": "other", "description": "x", "amount": "1"}, if_match=1
        ).status_code
        == 404
    )
    assert outsider.patch(_path(deal), {"price": "1"}, if_match=1).status_code == 404
    assert (
        outsider.post(
            _path(deal, "/decision"), {"decision": "no_bid", "fatal_factors": "x"}, if_match=1
        ).status_code
        == 404
    )
    deal.refresh_from_db()
    assert deal.status == "open"
    # Their manager's view does not reach another team either; the deal's own manager does.
    assert api_as(world.west_mgr).get(_path(deal)).status_code == 404
    assert api_as(world.east_mgr).get(_path(deal)).status_code == 200


def test_reading_the_bid_costs_a_fixed_number_of_queries(world, deal, api_as, django_assert_max_num_queries):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    for n in range(5):
        version = api.post(
            _path(deal, "/cost-lines"),
            {"kind": "other", "description": f"Line {n}", "amount": "10"},
            if_match=version,
        ).json()["bid"]["version"]
    with django_assert_max_num_queries(20):
        response = api.get(_path(deal))
    assert len(response.json()["bid"]["cost_lines"]) == 5


def test_the_list_holds_only_bids_on_deals_the_caller_may_see(
    world, deal, api_as, django_assert_max_num_queries
):
    west_deal = make_opportunity(
        owner=world.west_rep, customer=world.west_customer, stage_code="P4", name="West bid"
    )
    east = api_as(world.east_rep)
    version = _started(east, deal)["bid"]["version"]
    version = east.post(
        _path(deal, "/cost-lines"), {"kind": "other", "description": "Kit", "amount": "90"}, if_match=version
    ).json()["bid"]["version"]
    east.patch(_path(deal), {"price": "100"}, if_match=version)
    _started(api_as(world.west_rep), west_deal)
    with django_assert_max_num_queries(8):
        body = east.get("/planning/bids").json()
    assert [b["opportunity"]["id"] for b in body["items"]] == [deal.pk]
    row = body["items"][0]
    assert (row["cost"], row["margin"], row["margin_status"]) == ("90.00", "10.00", "below")
    assert row["compliance_applicable"] > 0 and row["compliance_done"] == 0
    assert body["count"] == 1
    director = api_as(world.director).get("/planning/bids").json()
    assert {b["opportunity"]["id"] for b in director["items"]} == {deal.pk, west_deal.pk}
    assert api_as(world.director).get("/planning/bids", {"decision": "bid"}).json()["count"] == 0
    assert east.get("/planning/bids", {"limit": 0}).status_code == 422


def test_a_withdrawn_price_request_leaves_the_price_unsubmitted(world, deal, api_as):
    api = api_as(world.east_rep)
    version = _started(api, deal)["bid"]["version"]
    version = api.patch(_path(deal), {"price": "100"}, if_match=version).json()["bid"]["version"]
    bid = api.post(_path(deal, "/price-approval"), {}, if_match=version).json()["bid"]
    assert bid["price_approval"]["status"] == "pending"
    approvals.withdraw(latest_for(Bid.objects.get(opportunity=deal)), by=world.east_rep)
    bid = api.get(_path(deal)).json()["bid"]
    assert bid["price_approval"]["status"] == ""
    response = api.post(_path(deal, "/price-approval"), {}, if_match=bid["version"])
    assert response.status_code == 200
    assert response.json()["bid"]["price_approval"]["status"] == "pending"
