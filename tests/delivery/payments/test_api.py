import datetime as dt
from decimal import Decimal

import pytest

from kam.delivery.models import Instalment
from kam.delivery.payments import services
from tests.delivery.payments.helpers import add, make_contract


@pytest.fixture
def contract(world):
    return make_contract(world.east_customer, world.east_rep, "1000")


def test_plan_payment_and_invoice_over_json(world, contract, api_as):
    api = api_as(world.east_rep)
    created = api.post(
        f"/delivery/contracts/{contract.pk}/instalments",
        {"name": "Advance", "percentage": "30", "due_date": "2026-01-31"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "300.00" and created["ETag"] == '"1"'
    inst_id = created.json()["id"]
    too_much = api.post(
        f"/delivery/contracts/{contract.pk}/instalments",
        {"name": "Rest", "amount": "701", "due_date": "2026-02-28"},
    )
    assert too_much.status_code == 422
    paid = api.post(
        f"/delivery/contracts/{contract.pk}/payments",
        {
            "amount": "100",
            "received_on": "2026-01-20",
            "allocations": [{"instalment": inst_id, "amount": "100"}],
        },
    )
    assert paid.status_code == 201 and paid.json()["allocations"] == [
        {"instalment": inst_id, "amount": "100.00"}
    ]
    over = api.post(
        f"/delivery/contracts/{contract.pk}/payments", {"amount": "201", "received_on": "2026-01-20"}
    )
    assert over.status_code == 422 and "200.00 outstanding" in str(over.json()["errors"])
    invoice = api.post(
        f"/delivery/contracts/{contract.pk}/invoices",
        {"number": "INV-1", "issued_on": "2026-01-15", "amount": "300", "instalment": inst_id},
    )
    assert invoice.status_code == 201
    body = api.get(f"/delivery/contracts/{contract.pk}/payments").json()
    assert body["figures"]["received"] == "100.00" and body["figures"]["invoiced"] == "300.00"
    assert body["instalments"][0]["outstanding"] == "200.00"
    deleted = api.client.delete(
        f"/api/v1/delivery/payments/{paid.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {api.raw}"
    )
    assert deleted.status_code == 204
    assert Instalment.objects.get(pk=inst_id).received == 0


def test_instalment_update_needs_if_match(world, contract, api_as):
    inst = add(contract, world.east_rep, "300", dt.date(2026, 1, 31))
    api = api_as(world.east_rep)
    path = f"/delivery/instalments/{inst.pk}"
    assert api.patch(path, {"name": "x"}).status_code == 428
    assert api.patch(path, {"name": "x"}, if_match=9).status_code == 412
    ok = api.patch(path, {"percentage": "50"}, if_match=1)
    assert ok.status_code == 200 and ok.json()["amount"] == "500.00" and ok["ETag"] == '"2"'
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api.raw}"}
    assert api.client.delete("/api/v1" + path, **auth).status_code == 428
    assert api.client.delete("/api/v1" + path, HTTP_IF_MATCH='"2"', **auth).status_code == 204


def test_receivables_over_json_are_scoped(world, contract, api_as):
    west = make_contract(world.west_customer, world.west_rep, "5000")
    add(contract, world.east_rep, "400", services.today() - dt.timedelta(days=45))
    add(west, world.west_rep, "900", services.today() - dt.timedelta(days=5))
    east = api_as(world.east_mgr).get("/delivery/receivables").json()
    assert east["count"] == 1 and east["items"][0]["bucket"] == "31_60"
    everything = api_as(world.director).get("/delivery/receivables", {"sort": "-outstanding"}).json()
    assert [i["instalment"]["amount"] for i in everything["items"]] == ["900.00", "400.00"]
    assert everything["total_outstanding"] == "1300.00"
    assert api_as(world.director).get("/delivery/receivables", {"sort": "nope"}).status_code == 422
    summary = api_as(world.director).get("/delivery/receivables/summary", {"group_by": "team"}).json()
    assert summary["figures"]["overdue"] == "1300.00"
    assert summary["figures"]["aging"]["31_60"] == "400.00"
    assert {row["key"] for row in summary["breakdown"]} == {world.east.pk, world.west.pk}
    assert api_as(world.west_rep).get(f"/delivery/contracts/{contract.pk}/payments").status_code == 404
    assert (
        api_as(world.west_rep).get(f"/delivery/customers/{world.east_customer.pk}/receivables").status_code
        == 404
    )
    mine = api_as(world.east_rep).get(f"/delivery/customers/{world.east_customer.pk}/receivables").json()
    assert mine["total_outstanding"] == "400.00"
    assert Decimal(mine["items"][0]["instalment"]["outstanding"]) == Decimal("400")
