"""Contracts over JSON: list visibility and filters, from a won deal, If-Match on every write
(428 missing, 412 stale), approval, status, amendments, attachments and history."""

from __future__ import annotations

import typing
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kam.delivery.contracts import selectors, services
from kam.delivery.contracts.schemas import SortChoice
from kam.delivery.models import Contract
from kam.planning.approvals import services as approvals
from tests.delivery.contracts.conftest import win

pytestmark = pytest.mark.django_db


def make(world, customer=None, owner=None, title="Spare parts", amount="5000") -> Contract:
    return services.create_contract(
        by=owner or world.east_rep,
        customer=customer or world.east_customer,
        title=title,
        amount=Decimal(amount),
        owner=owner or world.east_rep,
    )


def test_sorts_of_the_api_are_the_lists():
    assert set(typing.get_args(SortChoice)) == set(selectors.SORTS)


def test_list_only_visible_with_filters(world, api_as, django_assert_max_num_queries):
    mine = make(world, title="Furnace relining")
    make(world, title="Coke oven")
    make(world, customer=world.west_customer, owner=world.west_rep, title="Turbine blades")
    api = api_as(world.east_rep)
    api.get("/delivery/contracts")
    with django_assert_max_num_queries(4):
        body = api.get("/delivery/contracts").json()
    assert body["count"] == 2
    assert {c["title"] for c in body["items"]} == {"Furnace relining", "Coke oven"}
    body = api.get("/delivery/contracts", {"q": "relin", "status": "draft"}).json()
    assert [c["number"] for c in body["items"]] == [mine.number]
    assert api.get("/delivery/contracts", {"status": "nonsense"}).status_code == 422


def test_create_from_a_won_deal_and_refusal_of_an_open_one(world, api_as):
    api = api_as(world.east_rep)
    response = api.post("/delivery/contracts", {"opportunity": world.east_opp.pk})
    assert response.status_code == 409
    assert "still open" in response.json()["message"]
    refused = api.get(f"/delivery/contracts/prefill/{world.east_opp.pk}").json()
    assert refused["allowed"] is False and "still open" in refused["refusal"]
    win(world.east_opp, "700000")
    prefill = api.get(f"/delivery/contracts/prefill/{world.east_opp.pk}").json()
    assert prefill["allowed"] is True and prefill["refusal"] is None
    assert prefill["title"] == "East furnace" and Decimal(prefill["amount"]) == Decimal("700000")
    response = api.post("/delivery/contracts", {"opportunity": world.east_opp.pk, "notes": "rush"})
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "East furnace" and Decimal(body["amount"]) == Decimal("700000")
    assert body["customer"]["id"] == world.east_customer.pk and body["notes"] == "rush"
    assert response["ETag"] == '"1"'
    assert (
        api_as(world.west_rep).post("/delivery/contracts", {"opportunity": world.east_opp.pk}).status_code
        == 404
    )


def test_standalone_create_validation(world, api_as):
    api = api_as(world.east_rep)
    response = api.post("/delivery/contracts", {"customer": world.east_customer.pk, "title": ""})
    assert response.status_code == 422
    assert {"title", "amount"} <= set(response.json()["errors"])
    assert (
        api.post(
            "/delivery/contracts", {"customer": world.west_customer.pk, "title": "x", "amount": "1"}
        ).status_code
        == 404
    )
    assert (
        api.post("/delivery/contracts", {"customer": world.east_customer.pk, "bogus": 1}).status_code == 422
    )


def test_updates_need_if_match(world, api_as):
    contract = make(world)
    api = api_as(world.east_rep)
    path = f"/delivery/contracts/{contract.pk}"
    assert api.patch(path, {"notes": "x"}).status_code == 428
    assert api.patch(path, {"notes": "x"}, if_match=7).status_code == 412
    response = api.patch(path, {"notes": "x", "amount": "4500"}, if_match=1)
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert Decimal(response.json()["amount"]) == Decimal("4500")
    assert api.patch(path, {"title": None}, if_match=2).status_code == 422
    for action in ("submit", "withdraw"):
        assert api.post(f"{path}/{action}", {}).status_code == 428
    assert api.post(f"{path}/status", {"to": "in_force"}).status_code == 428
    assert api.post(f"{path}/amendments", {"amount_change": "1", "reason": "x"}).status_code == 428
    assert api_as(world.west_rep).get(path).status_code == 404


def test_approval_status_amendment_and_history(world, api_as):
    contract = make(world)
    api = api_as(world.east_rep)
    path = f"/delivery/contracts/{contract.pk}"
    body = api.post(f"{path}/submit", {}, if_match=1).json()
    assert body["status"] == "in_approval" and body["approval"]["status"] == "pending"
    assert "amount" not in body["editable_fields"]
    contract.refresh_from_db()
    approvals.decide(contract.approval, by=world.east_mgr, approve=True)
    approvals.decide(contract.approval, by=world.director, approve=True)
    body = api.get(path).json()
    assert body["status"] == "signed" and body["allowed_moves"] == ["in_force", "terminated"]
    version = body["version"]
    response = api.post(f"{path}/status", {"to": "completed"}, if_match=version)
    assert response.status_code == 409
    response = api.post(
        f"{path}/amendments", {"amount_change": "-500", "reason": "Fewer parts"}, if_match=version
    )
    assert response.status_code == 201
    body = response.json()
    assert Decimal(body["amount"]) == Decimal("4500") and body["amendments"][0]["reason"] == "Fewer parts"
    response = api.post(f"{path}/status", {"to": "terminated"}, if_match=body["version"])
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    response = api.post(
        f"{path}/status", {"to": "terminated", "reason": "Plant closed"}, if_match=body["version"]
    )
    assert response.status_code == 200 and response.json()["terminated_reason"] == "Plant closed"
    actions = [line["action"] for line in api.get(f"{path}/history").json()]
    assert actions == ["terminated", "amended", "approved", "submitted", "created"]


def test_rejection_returns_a_draft(world, api_as):
    contract = make(world)
    api = api_as(world.east_rep)
    api.post(f"/delivery/contracts/{contract.pk}/submit", {}, if_match=1)
    contract.refresh_from_db()
    approvals.decide(contract.approval, by=world.east_mgr, approve=False, comment="Fix the terms")
    body = api.get(f"/delivery/contracts/{contract.pk}").json()
    assert body["status"] == "draft" and body["approval"]["status"] == "rejected"
    history = api.get(f"/delivery/contracts/{contract.pk}/history").json()
    assert history[0]["action"] == "rejected" and "Fix the terms" in history[0]["summary"]


def test_attachments_upload_download_and_delete(world, api_as, settings):
    contract = make(world)
    api = api_as(world.east_rep)
    path = f"/api/v1/delivery/contracts/{contract.pk}/attachments"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.raw}"}
    response = api.client.post(path, {"file": SimpleUploadedFile("x.exe", b"MZ")}, **headers)
    assert response.status_code == 422 and "not accepted" in response.json()["errors"]["file"][0]
    settings.KAM_ATTACHMENT_MAX_BYTES = 3
    response = api.client.post(path, {"file": SimpleUploadedFile("a.pdf", b"%PDF")}, **headers)
    assert response.status_code == 422 and "limit" in response.json()["errors"]["file"][0]
    settings.KAM_ATTACHMENT_MAX_BYTES = 100
    response = api.client.post(path, {"file": SimpleUploadedFile("a.pdf", b"%PDF")}, **headers)
    assert response.status_code == 201
    attachment = response.json()
    download = api.client.get(attachment["download"], **headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF"
    west = api_as(world.west_rep)
    assert west.client.get(attachment["download"], HTTP_AUTHORIZATION=f"Bearer {west.raw}").status_code == 404
    assert api.client.delete(attachment["download"], **headers).status_code == 204
    assert not contract.attachments.exists()
