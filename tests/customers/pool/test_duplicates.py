"""The duplicate check on create: by normalised name, by pinyin, by credit code; through the service,
the customer form and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kam.customers import services
from kam.customers.models import Customer
from kam.customers.pool.duplicates import DuplicatesFound, find_duplicates
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CODE = "91350100M000100Y43"


@pytest.fixture
def huawei(world):
    return CustomerFactory(owner=world.west_rep, name="华为技术有限公司", credit_code=CODE)


@pytest.mark.parametrize(
    ("name", "credit_code", "reasons"),
    [
        ("华为 技术 股份有限公司", "", ["name", "pinyin"]),
        ("化为技术", "", ["pinyin"]),
        ("Someone else", CODE, ["credit_code"]),
    ],
)
def test_each_key_finds_the_customer(world, huawei, name, credit_code, reasons):
    matches = find_duplicates(world.east_rep, name=name, credit_code=credit_code)
    assert [(m.customer.pk, m.reasons) for m in matches] == [(huawei.pk, reasons)]
    # The east rep may not open the west rep's customer: its name and owner only.
    assert matches[0].visible is False
    assert find_duplicates(world.west_rep, name=name, credit_code=credit_code)[0].visible is True


def test_no_match_for_another_company(world, huawei):
    assert find_duplicates(world.east_rep, name="华为终端有限公司") == []


def test_create_stops_on_a_possible_duplicate_until_confirmed(world, huawei):
    with pytest.raises(DuplicatesFound) as caught:
        services.create_customer(by=world.east_rep, name="化为技术")
    assert not caught.value.blocking
    assert "Possibly the same company as: 华为技术有限公司" in caught.value.message_dict["name"][0]
    created = services.create_customer(by=world.east_rep, name="化为技术", confirm_duplicates=True)
    assert created.name_pinyin == huawei.name_pinyin


def test_the_same_credit_code_is_refused_even_when_confirmed(world, huawei):
    with pytest.raises(ValidationError) as caught:
        services.create_customer(
            by=world.east_rep, name="Another name", credit_code=CODE.lower(), confirm_duplicates=True
        )
    assert "credit_code" in caught.value.message_dict
    assert Customer.objects.filter(credit_code=CODE).count() == 1


def test_a_bad_check_character_is_refused_on_create_and_edit(world):
    with pytest.raises(ValidationError) as caught:
        services.create_customer(by=world.east_rep, name="Checked", credit_code="91350100M000100Y44")
    assert "credit_code" in caught.value.message_dict
    customer = world.east_customer
    with pytest.raises(ValidationError):
        services.update_customer(customer, by=world.east_rep, version=customer.version, credit_code="123")


def test_an_edit_keeps_its_own_code_and_refuses_anothers(world, huawei):
    other = world.east_customer
    services.update_customer(
        other, by=world.east_rep, version=other.version, credit_code="91110108551385082q"
    )
    other.refresh_from_db()
    assert other.credit_code == "91110108551385082Q"
    services.update_customer(
        other, by=world.east_rep, version=other.version, credit_code=other.credit_code, notes="x"
    )
    with pytest.raises(ValidationError, match="exists already"):
        services.update_customer(other, by=world.east_rep, version=other.version, credit_code=CODE)


def test_a_renamed_customer_is_found_by_its_new_name(world):
    customer = world.east_customer
    services.update_customer(
        customer, by=world.east_rep, version=customer.version, name="宝山钢铁股份有限公司"
    )
    assert [m.customer.pk for m in find_duplicates(world.west_rep, name="宝山钢铁")] == [customer.pk]


def post_data(**overrides):
    data = {
        "name": "化为技术",
        "owner": "",
        "status": "prospect",
        "short_name": "",
        "industry": "",
        "region": "",
    }
    data.update(overrides)
    return data


def test_the_form_lists_the_matches_and_goes_on_only_when_confirmed(client, world, huawei):
    client.force_login(world.east_rep)
    data = post_data(owner=world.east_rep.pk)
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Possibly the same company" in page and "华为技术有限公司" in page
    assert 'type="checkbox" name="confirm_duplicates"' in page
    assert not Customer.objects.filter(name="化为技术").exists()
    response = client.post(reverse("customers:create"), {**data, "confirm_duplicates": "on"})
    assert response.status_code == 302
    assert Customer.objects.filter(name="化为技术").exists()


def test_the_form_blocks_a_taken_credit_code_without_a_confirmation_box(client, world, huawei):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("customers:create"), post_data(name="Other", owner=world.east_rep.pk, credit_code=CODE)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'type="hidden" name="confirm_duplicates"' in page
    assert 'type="checkbox" name="confirm_duplicates"' not in page
    assert "unified social credit code exists already" in page


def test_the_api_refuses_then_creates_when_confirmed(api_as, world, huawei):
    api = api_as(world.east_rep)
    refused = api.post("/customers", {"name": "化为技术"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["blocking"] is False and "华为技术有限公司" in body["detail"]
    assert [(m["customer"]["name"], m["reasons"], m["visible"]) for m in body["matches"]] == [
        ("华为技术有限公司", ["pinyin"], False)
    ]
    created = api.post("/customers", {"name": "化为技术", "confirm_duplicates": True})
    assert created.status_code == 201
    assert created.json()["in_pool"] is False and created.json()["credit_code"] == ""
    matches = api.get("/customers/duplicates", {"name": "华为技术"}).json()
    assert {(m["customer"]["name"], m["visible"]) for m in matches} == {
        ("华为技术有限公司", False),
        ("化为技术", True),
    }


def test_the_api_refuses_a_taken_credit_code_even_when_confirmed(api_as, world, huawei):
    api = api_as(world.east_rep)
    refused = api.post("/customers", {"name": "Other", "credit_code": CODE, "confirm_duplicates": True})
    assert refused.status_code == 409
    assert refused.json()["blocking"] is True
    assert refused.json()["matches"][0]["reasons"] == ["credit_code"]
    bad = api.post("/customers", {"name": "Other", "credit_code": "91350100M000100Y44"})
    assert bad.status_code == 422 and "check character" in bad.json()["errors"]["credit_code"][0]
    assert not Customer.objects.filter(name="Other").exists()
