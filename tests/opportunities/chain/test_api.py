"""The decision chain, power map and relationship score over JSON; role and stance writes through the services;
relationship score and gaps on the opportunity list and detail."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.opportunities import services
from kam.opportunities.models import OpportunityContact
from kam.relationships.services import set_relationship_level
from tests.conftest import ApiClient
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity
from tests.opportunities.chain.conftest import build_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def steel(world):
    return build_chain(world.east_rep, world.east_customer)


def delete(api: ApiClient, path: str, params: dict) -> object:
    from urllib.parse import urlencode

    return api.client.delete(f"/api/v1{path}?{urlencode(params)}", **api._headers())


def put(api: ApiClient, path: str, body: dict) -> object:
    return api.client.put(
        "/api/v1" + path, json.dumps(body), content_type="application/json", **api._headers()
    )


def chain_state():
    return sorted(
        OpportunityContact.objects.values_list("opportunity_id", "contact_id", "decision_role", "stance")
    )


# --- reads -------------------------------------------------------------------------------------------


def test_decision_chain_json_shape(world, steel):
    response = ApiClient(world.east_rep).get(f"/opportunities/{steel.opp.pk}/decision-chain")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "opportunity",
        "nodes",
        "reports_to",
        "influence_lines",
        "technical_chain",
        "business_chain",
        "relationship_score",
    }
    assert body["opportunity"]["stage"]["code"] == "P4"
    assert body["opportunity"]["amount"] == "1000000.00"
    by_name = {n["name"]: n for n in body["nodes"]}
    assert set(by_name) == {
        "GM Zhao",
        "Deputy GM Wang",
        "Chief Engineer Li",
        "Engineer Sun",
        "Finance Director Qian",
    }
    assert by_name["GM Zhao"]["context"] is True
    assert by_name["Deputy GM Wang"]["roles"][0]["decision_role"] == "decision_maker"
    assert body["technical_chain"] == [[steel.li.pk, steel.wang.pk, steel.zhao.pk]]
    assert body["business_chain"] == [[steel.qian.pk, steel.zhao.pk]]
    assert body["influence_lines"] == [
        {"source": steel.sun.pk, "target": steel.wang.pk, "note": "Wang trusts Sun's reports"}
    ]
    score = body["relationship_score"]
    assert {key: score[key] for key in ("score", "met", "total", "gaps")} == {
        "score": 100,
        "met": 5,
        "total": 5,
        "gaps": [],
    }
    assert score["look_ahead"]["next_stage"] == "P5"


def test_power_map_json_shape(world, steel):
    body = ApiClient(world.east_rep).get(f"/opportunities/{steel.opp.pk}/power-map").json()
    assert {p["name"] for p in body["people"]} == {
        "Deputy GM Wang",
        "Chief Engineer Li",
        "Engineer Sun",
        "Finance Director Qian",
    }
    qian = next(p for p in body["people"] if p["name"] == "Finance Director Qian")
    assert (qian["x"], qian["y"], qian["stance"]) == (0.0, 4, "B")
    assert [w["name"] for w in body["watch_list"]] == ["Finance Director Qian"]
    assert body["power_threshold"] == 4


def test_relationship_score_endpoint_names_the_gaps(world, steel):
    set_relationship_level(steel.li, world.east_rep, 1, by=world.east_rep, note="Fell out over the tender")
    body = ApiClient(world.east_rep).get(f"/opportunities/{steel.opp.pk}/relationship-score").json()
    assert body["score"] == 60
    assert [g["text"] for g in body["gaps"]] == [
        "P3 · Technical approver Chief Engineer Li at CR1 (needs CR3)",
        "P4 · Technical approver Chief Engineer Li at CR1 (needs CR3)",
    ]
    assert body["gaps"][0]["stage"] == "P3"


@pytest.mark.parametrize("suffix", ["decision-chain", "power-map", "relationship-score"])
def test_other_teams_rep_gets_json_404(world, steel, suffix):
    response = ApiClient(world.west_rep).get(f"/opportunities/{steel.opp.pk}/{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found"}


@pytest.mark.parametrize("suffix", ["decision-chain", "power-map"])
def test_json_query_count_is_constant_in_the_number_of_contacts(world, steel, suffix):
    api = ApiClient(world.east_rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/opportunities/{steel.opp.pk}/{suffix}").status_code == 200
        return len(ctx.captured_queries)

    count()  # the token's first use is recorded (a write the next minute's requests skip)
    small = count()
    for i in range(20):
        person = ContactFactory(customer=steel.opp.customer, reports_to=steel.sun, name=f"Staff {i}")
        services.set_contact_role(steel.opp, person, by=world.east_rep, decision_role="user")
        set_relationship_level(person, world.east_rep, 2, by=world.east_rep, note="Workshop")
    assert count() == small


# --- writes ------------------------------------------------------------------------------------------


def test_put_sets_stance_and_returns_the_new_chain_with_gaps(world, steel):
    response = put(
        ApiClient(world.east_rep),
        f"/opportunities/{steel.opp.pk}/decision-chain/{steel.wang.pk}",
        {"decision_role": "decision_maker", "stance": "C"},
    )
    assert response.status_code == 200
    body = response.json()
    wang = next(n for n in body["nodes"] if n["id"] == steel.wang.pk)
    assert wang["stance"] == "C"
    assert [g["text"] for g in body["relationship_score"]["gaps"]] == [
        "P4 · Decision maker Deputy GM Wang opposes"
    ]
    assert OpportunityContact.objects.get(opportunity=steel.opp, contact=steel.wang).stance == "C"


def test_post_adds_a_second_role(world, steel):
    response = ApiClient(world.east_rep).post(
        f"/opportunities/{steel.opp.pk}/decision-chain/{steel.wu.pk}",
        {"decision_role": "coach", "stance": "A"},
    )
    assert response.status_code == 200
    assert any(n["id"] == steel.wu.pk and n["in_chain"] for n in response.json()["nodes"])


@pytest.mark.parametrize(
    "body, field",
    [
        ({"decision_role": "king", "stance": "A"}, "decision_role"),
        ({"decision_role": "coach", "stance": "Z"}, "stance"),
        ({"stance": "A"}, "decision_role"),
        ({"decision_role": "coach", "stance": "A", "colour": "red"}, "colour"),
    ],
)
def test_bad_role_or_stance_is_422_and_nothing_changes(world, steel, body, field):
    before = chain_state()
    response = put(
        ApiClient(world.east_rep), f"/opportunities/{steel.opp.pk}/decision-chain/{steel.wang.pk}", body
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert chain_state() == before


def test_delete_removes_one_role(world, steel):
    api = ApiClient(world.east_rep)
    api.post(
        f"/opportunities/{steel.opp.pk}/decision-chain/{steel.li.pk}",
        {"decision_role": "coach", "stance": "A"},
    )
    path = f"/opportunities/{steel.opp.pk}/decision-chain/{steel.li.pk}"
    response = delete(api, path, {"decision_role": "technical_approver"})
    assert response.status_code == 200
    assert list(
        OpportunityContact.objects.filter(opportunity=steel.opp, contact=steel.li).values_list(
            "decision_role", flat=True
        )
    ) == ["coach"]
    assert response.json()["technical_chain"] == []
    assert delete(api, path, {"decision_role": "technical_approver"}).status_code == 404


def test_writes_on_invisible_records_are_404_and_change_nothing(world, steel):
    before = chain_state()
    west = ApiClient(world.west_rep)
    path = f"/opportunities/{steel.opp.pk}/decision-chain/{steel.wang.pk}"
    assert put(west, path, {"decision_role": "decision_maker", "stance": "C"}).status_code == 404
    assert west.post(path, {"decision_role": "coach", "stance": "C"}).status_code == 404
    assert delete(west, path, {"decision_role": "decision_maker"}).status_code == 404
    # A contact of another customer is not in this opportunity's world either.
    stranger = ContactFactory(customer=world.west_customer)
    east = ApiClient(world.east_rep)
    response = put(
        east, f"/opportunities/{steel.opp.pk}/decision-chain/{stranger.pk}", {"decision_role": "coach"}
    )
    assert response.status_code == 404
    assert chain_state() == before


# --- score and gaps on the opportunity list and detail ----------------------------------------------


def test_detail_carries_relationship_score_and_gaps(world, steel):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    body = ApiClient(world.east_rep).get(f"/opportunities/{steel.opp.pk}").json()
    assert body["relationship_score"] == 80
    assert body["relationship_gaps"] == ["P4 · Decision maker Deputy GM Wang opposes"]


def test_list_carries_score_and_gaps_in_a_constant_number_of_queries(db):
    rep = UserFactory()
    customer = CustomerFactory(owner=rep)
    api = ApiClient(rep)

    def add(n: int) -> None:
        for i in range(n):
            opportunity = make_opportunity(owner=rep, customer=customer, name=f"Deal {i}", stage_code="P4")
            contact = ContactFactory(customer=customer, name=f"Wang {i}")
            services.set_contact_role(
                opportunity, contact, by=rep, decision_role="decision_maker", stance="C"
            )
            set_relationship_level(contact, rep, 1, by=rep, note="First call")

    def count() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/opportunities", {"limit": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["items"]

    add(3)
    count()  # the token's first use is recorded (a write the next minute's requests skip)
    small, items = count()
    assert all(item["relationship_score"] is not None for item in items)
    add(27)
    large, items = count()
    assert large == small
    assert len(items) == 30
    gaps = items[0]["relationship_gaps"]
    assert any("opposes" in gap for gap in gaps)
    assert any("needs CR3" in gap or "no Technical approver known" in gap for gap in gaps)


def test_openapi_documents_the_chain_endpoints(world):
    schema = ApiClient(world.east_rep).get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/opportunities/{opportunity_id}/decision-chain",
        "/api/v1/opportunities/{opportunity_id}/power-map",
        "/api/v1/opportunities/{opportunity_id}/relationship-score",
        "/api/v1/opportunities/{opportunity_id}/decision-chain/{contact_id}",
    ):
        assert path in paths
    assert {"put", "post", "delete"} <= set(
        paths["/api/v1/opportunities/{opportunity_id}/decision-chain/{contact_id}"]
    )
