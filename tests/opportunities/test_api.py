"""The opportunity API: the pipeline list, detail, and every write through the services."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.renderers import JSONRenderer

from kam.opportunities import services
from kam.opportunities.models import Opportunity, StageChange
from kam.opportunities.schemas import OpportunityListOut
from kam.relationships.services import set_relationship_level
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity, stage

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


# --- list ---------------------------------------------------------------------------------------


def test_rep_lists_only_own_opportunities_with_money_as_decimal_strings(world, api_as):
    response = api_as(world.east_rep).get("/opportunities")
    assert response.status_code == 200
    body = response.json()
    assert ids(response) == {world.east_opp.pk}
    item = body["items"][0]
    assert item["project_number"] == world.east_opp.project_number
    assert item["customer"] == {"id": world.east_customer.pk, "name": "East Steel"}
    assert item["owner"]["id"] == world.east_rep.pk
    assert item["stage"]["code"] == "P0" and item["stage"]["probability"] == 10
    assert item["amount"] == "1000000.00"
    assert item["expected_amount"] == "1000000.00"
    assert item["weighted_amount"] == "100000.00"
    assert item["sign_date"] == "2027-03-31"
    assert item["missing_elements"] == []
    assert item["version"] == 1
    assert body["count"] == 1
    assert body["totals"] == {
        "count": 1,
        "amount": "1000000.00",
        "weighted": "100000.00",
        "count_is_lower_bound": False,
    }
    assert body["count_is_lower_bound"] is False
    assert body["next_cursor"] is None and body["previous_cursor"] is None


def test_list_body_is_exactly_what_its_schema_renders(world, api_as):
    """The list is rendered without validating it again through the schemas (for speed): its body
    must still be exactly OpportunityListOut's, nested parts (contacts, gaps, flags) included."""
    contact = ContactFactory(customer=world.east_customer, name="Chief Wang")
    services.set_contact_role(
        world.east_opp, contact, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=None, sign_date=None)
    response = api_as(world.director).get("/opportunities", {"owner": world.east_rep.pk, "limit": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    second = api_as(world.director).get(
        "/opportunities", {"owner": world.east_rep.pk, "cursor": body["next_cursor"]}
    )
    body["items"] += second.json()["items"]
    validated = OpportunityListOut.model_validate(body)
    rendered = json.loads(JSONRenderer().render(None, validated.model_dump(), response_status=200))
    assert rendered == body
    chains = [item["key_contacts"] for item in body["items"] if item["key_contacts"]]
    flags = [item["flags"] for item in body["items"] if item["flags"]]
    assert chains and flags  # the nested parts were there to compare


def test_manager_lists_the_team_and_director_lists_everything(world, api_as):
    assert ids(api_as(world.east_mgr).get("/opportunities")) == {world.east_opp.pk, world.east_opp2.pk}
    assert ids(api_as(world.director).get("/opportunities")) == {
        world.east_opp.pk,
        world.east_opp2.pk,
        world.west_opp.pk,
    }


def test_list_item_carries_key_contacts_with_stance_and_company_level(world, api_as):
    contact = ContactFactory(customer=world.east_customer, name="Chief Wang")
    services.set_contact_role(
        world.east_opp, contact, by=world.east_rep, decision_role="decision_maker", stance="A"
    )
    set_relationship_level(contact, world.east_rep, 2, by=world.east_rep, note="Met at the plant")
    set_relationship_level(contact, world.east_mgr, 4, by=world.east_mgr, note="Met at the plant")
    item = api_as(world.east_rep).get("/opportunities").json()["items"][0]
    assert item["key_contacts"] == [
        {
            "contact_id": contact.pk,
            "name": "Chief Wang",
            "title": "Manager",
            "decision_role": "decision_maker",
            "stance": "A",
            "company_level": 4,
        }
    ]


def test_list_filters_by_owner_stage_status_quarter_and_text(world, api_as):
    director = api_as(world.director)
    p3 = make_opportunity(
        owner=world.west_rep,
        customer=world.west_customer,
        stage_code="P3",
        name="Boiler retrofit",
        amount=Decimal("200000"),
        sign_date=dt.date(2027, 8, 15),
    )
    won = make_opportunity(owner=world.west_rep, customer=world.west_customer, name="Spare parts")
    services.close_opportunity(won, by=world.west_rep, status="won", reason="Signed")

    assert ids(director.get("/opportunities", {"owner": world.west_rep.pk})) == {
        world.west_opp.pk,
        p3.pk,
        won.pk,
    }
    assert ids(director.get("/opportunities", {"stage": stage("P3").pk})) == {p3.pk}
    assert ids(director.get("/opportunities", {"status": "won"})) == {won.pk}
    assert won.pk not in ids(director.get("/opportunities", {"status": "open"}))
    assert ids(director.get("/opportunities", {"sign_quarter": "2027 Q3"})) == {p3.pk}
    assert ids(director.get("/opportunities", {"sign_quarter": "27.Q3"})) == {p3.pk}
    assert ids(director.get("/opportunities", {"q": "boiler"})) == {p3.pk}
    assert ids(director.get("/opportunities", {"q": p3.project_number})) == {p3.pk}
    assert ids(director.get("/opportunities", {"customer": world.east_customer.pk})) == {world.east_opp.pk}


def test_list_totals_cover_every_page_and_weight_by_stage_probability(world, api_as):
    make_opportunity(
        owner=world.west_rep,
        customer=world.west_customer,
        stage_code="P4",
        amount=Decimal("300000.50"),
        sign_date=dt.date(2027, 6, 30),
    )
    make_opportunity(
        owner=world.west_rep,
        customer=world.west_customer,
        amount=None,
        amount_low=Decimal("100"),
        amount_high=Decimal("300"),
    )
    body = api_as(world.west_rep).get("/opportunities", {"limit": 1, "sort": "amount"}).json()
    assert len(body["items"]) == 1
    assert body["count"] == 3
    # 1,000,000 × 10 % + 300,000.50 × 50 % + 200 × 10 %
    assert body["totals"] == {
        "count": 3,
        "amount": "1300200.50",
        "weighted": "250020.25",
        "count_is_lower_bound": False,
    }
    assert body["items"][0]["expected_amount"] == "200.00"


def test_list_paginates_with_limit_and_offset(world, api_as):
    director = api_as(world.director)
    first = director.get("/opportunities", {"limit": 2, "sort": "number"}).json()
    rest = director.get("/opportunities", {"limit": 2, "offset": 2, "sort": "number"}).json()
    assert [i["project_number"] for i in first["items"] + rest["items"]] == sorted(
        Opportunity.objects.values_list("project_number", flat=True)
    )
    assert first["count"] == rest["count"] == 3
    # An offset page hands out cursors too, so a client can switch to them.
    assert rest["previous_cursor"] and first["next_cursor"] and rest["next_cursor"] is None


def test_list_pages_by_cursor_forward_and_back(world, api_as):
    director = api_as(world.director)
    numbers = sorted(Opportunity.objects.values_list("project_number", flat=True))
    first = director.get("/opportunities", {"limit": 2, "sort": "number"}).json()
    assert first["previous_cursor"] is None
    rest = director.get(
        "/opportunities", {"limit": 2, "sort": "number", "cursor": first["next_cursor"]}
    ).json()
    assert [i["project_number"] for i in first["items"] + rest["items"]] == numbers
    assert rest["next_cursor"] is None and rest["count"] == 3
    back = director.get("/opportunities", {"limit": 2, "sort": "number", "cursor": rest["previous_cursor"]})
    assert back.json()["items"] == first["items"]


def test_list_refuses_a_cursor_of_another_sort_a_garbled_one_or_one_with_an_offset(world, api_as):
    director = api_as(world.director)
    cursor = director.get("/opportunities", {"limit": 1, "sort": "number"}).json()["next_cursor"]
    for params in [
        {"sort": "-number", "cursor": cursor},
        {"sort": "number", "status": "won", "cursor": cursor},
        {"sort": "number", "cursor": "not-a-cursor"},
        {"sort": "number", "cursor": cursor, "offset": 1},
        {"sort": "number", "cursor": "x" * 1001},
    ]:
        response = director.get("/opportunities", {"limit": 1, **params})
        assert response.status_code == 422, params
        assert list(response.json()["errors"]) == ["cursor"], params


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sign_quarter": "next summer"}, "sign_quarter"),
        ({"sort": "password"}, "sort"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"owner": "me"}, "owner"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_list_refuses_bad_filters_with_field_messages(world, api_as, params, field):
    response = api_as(world.director).get("/opportunities", params)
    assert response.status_code == 422
    assert response.json()["detail"] == "validation_error"
    assert field in response.json()["errors"]


def test_list_query_count_is_the_same_for_3_and_30_opportunities(db, api_as, django_assert_max_num_queries):
    rep = UserFactory()
    customer = CustomerFactory(owner=rep)
    client = api_as(rep)

    def add(n: int) -> None:
        for i in range(n):
            opportunity = make_opportunity(owner=rep, customer=customer, name=f"Deal {i}")
            contact = ContactFactory(customer=customer)
            services.set_contact_role(opportunity, contact, by=rep, decision_role="influencer")
            set_relationship_level(contact, rep, 3, by=rep, note="Met at the plant")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/opportunities", {"limit": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(3)
    count_queries()  # the token's "last used" is written at most once a minute: settle it first
    with_3 = count_queries()
    add(27)
    with django_assert_max_num_queries(with_3):
        response = client.get("/opportunities", {"limit": 200})
    assert response.json()["count"] == 30
    assert all(len(item["key_contacts"]) == 1 for item in response.json()["items"])
    assert count_queries() == with_3


# --- detail -------------------------------------------------------------------------------------


def test_detail_has_etag_of_the_version(world, api_as):
    response = api_as(world.east_rep).get(f"/opportunities/{world.east_opp.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["project_number"] == world.east_opp.project_number
    assert body["process"] == "key-account"
    assert body["version"] == 1


def test_detail_of_unknown_id_is_json_404(world, api_as):
    response = api_as(world.director).get("/opportunities/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found"}


def test_rep_gets_404_for_other_teams_opportunity_on_every_endpoint(world, api_as):
    rep = api_as(world.east_rep)
    west = world.west_opp
    assert rep.get(f"/opportunities/{west.pk}").status_code == 404
    assert rep.get(f"/opportunities/{west.pk}/history").status_code == 404
    assert rep.patch(f"/opportunities/{west.pk}", {"name": "Mine now"}, if_match=1).status_code == 404
    move = {"to_stage": "P1", "key_node_confirmed": True}
    assert rep.post(f"/opportunities/{west.pk}/move", move, if_match=1).status_code == 404
    close = {"status": "dropped", "reason_choice": "no-budget", "reason": "gone"}
    assert rep.post(f"/opportunities/{west.pk}/close", close, if_match=1).status_code == 404
    west.refresh_from_db()
    assert (west.name, west.stage.code, west.status, west.version) == ("West turbine", "P0", "open", 1)


# --- create -------------------------------------------------------------------------------------


def test_create_returns_201_with_body_and_etag(world, api_as):
    response = api_as(world.east_rep).post(
        "/opportunities",
        {
            "customer": world.east_customer.pk,
            "name": "Cooling line",
            "stage": "P1",
            "amount_low": "100000",
            "amount_high": "300000.5",
            "sign_date": "2027-08-01",
            "sign_date_precision": "quarter",
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    created = Opportunity.objects.get(pk=body["id"])
    assert created.owner == world.east_rep
    assert body["stage"]["code"] == "P1"
    assert body["amount_high"] == "300000.50"
    assert body["expected_amount"] == "200000.25"
    assert body["sign_date"] == "2027-09-30"
    assert body["sign_date_display"] == "2027 Q3"
    assert StageChange.objects.filter(opportunity=created, from_stage=None).count() == 1


def test_create_for_a_customer_the_rep_cannot_see_is_refused_and_nothing_is_saved(world, api_as):
    before = Opportunity.objects.count()
    response = api_as(world.east_rep).post(
        "/opportunities", {"customer": world.west_customer.pk, "name": "Poach"}
    )
    assert response.status_code == 422
    assert "customer" in response.json()["errors"]
    assert Opportunity.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "amount": "-1"}, "amount"),
        ({"name": "X", "amount": "abc"}, "amount"),
        ({"name": "X", "amount": "1.005"}, "amount"),
        ({"name": "X", "amount": "NaN"}, "amount"),
        ({"name": "X", "amount": "1e20"}, "amount"),
        ({"name": "X", "sign_date": "2027-02-30"}, "sign_date"),
        ({"name": "X", "sign_date": "soon"}, "sign_date"),
        ({"name": ""}, "name"),
        ({"name": "X", "amount_low": "10"}, "amount_high"),
        ({"name": "X", "amount_low": "10", "amount_high": "5"}, "amount_high"),
        ({"name": "X", "stage": "P9"}, "stage"),
        ({"name": "X", "stage": "P5", "amount": None}, "amount"),
        ({"name": "X", "owner": "someone"}, "owner"),
        ({"name": "X", "sign_date_precision": "week"}, "sign_date_precision"),
        ({"name": "X", "stage_id": 3}, "stage_id"),
    ],
)
def test_create_with_bad_input_is_422_with_the_field_named(world, api_as, body, field):
    before = Opportunity.objects.count()
    response = api_as(world.east_rep).post("/opportunities", {"customer": world.east_customer.pk, **body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert Opportunity.objects.count() == before


def test_malformed_json_is_a_4xx_json_error(world, api_as):
    response = api_as(world.east_rep).post("/opportunities", '{"name": "X",')
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_rep_cannot_make_someone_on_another_team_the_owner(world, api_as):
    response = api_as(world.east_rep).post(
        "/opportunities", {"customer": world.east_customer.pk, "name": "X", "owner": world.west_rep.pk}
    )
    assert response.status_code == 422
    assert "owner" in response.json()["errors"]


# --- update -------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent_and_returns_the_new_etag(world, api_as):
    opportunity = world.east_opp
    response = api_as(world.east_rep).patch(
        f"/opportunities/{opportunity.pk}", {"amount": "1250000.10"}, if_match=1
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["amount"] == "1250000.10"
    opportunity.refresh_from_db()
    assert opportunity.amount == Decimal("1250000.10")
    assert opportunity.name == "East furnace"
    assert opportunity.changes.filter(field="amount").exists()


def test_patch_without_if_match_is_428_and_nothing_saved(world, api_as):
    response = api_as(world.east_rep).patch(f"/opportunities/{world.east_opp.pk}", {"name": "Renamed"})
    assert response.status_code == 428
    assert response.json()["detail"] == "precondition_required"
    world.east_opp.refresh_from_db()
    assert world.east_opp.name == "East furnace"


def test_patch_with_a_stale_version_is_412_with_the_current_version_and_nothing_saved(world, api_as):
    client = api_as(world.east_rep)
    assert (
        client.patch(f"/opportunities/{world.east_opp.pk}", {"name": "First"}, if_match=1).status_code == 200
    )
    response = client.patch(f"/opportunities/{world.east_opp.pk}", {"name": "Second"}, if_match=1)
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    world.east_opp.refresh_from_db()
    assert (world.east_opp.name, world.east_opp.version) == ("First", 2)


def test_patch_with_a_garbled_if_match_is_412(world, api_as):
    response = api_as(world.east_rep).patch(
        f"/opportunities/{world.east_opp.pk}", {"name": "X"}, if_match="version-one"
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"amount": "-5"}, "amount"),
        ({"sign_date": "31/12/2027"}, "sign_date"),
        ({"stage": 3}, "stage"),
        ({"customer_lead": 999999}, "customer_lead"),
    ],
)
def test_patch_with_bad_input_is_422_and_nothing_saved(world, api_as, body, field):
    response = api_as(world.east_rep).patch(f"/opportunities/{world.east_opp.pk}", body, if_match=1)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    world.east_opp.refresh_from_db()
    assert world.east_opp.version == 1


def test_patch_of_a_closed_opportunity_is_409(world, api_as):
    services.close_opportunity(world.east_opp, by=world.east_rep, status="dropped", reason="Budget cut")
    response = api_as(world.east_rep).patch(f"/opportunities/{world.east_opp.pk}", {"name": "X"}, if_match=2)
    assert response.status_code == 409
