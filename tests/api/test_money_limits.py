"""Amounts up to 9,999,999,999,999.99 are kept to the cent on SQLite and PostgreSQL; larger ones are a
field error, never a rounded value or a row that can no longer be read."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.core.money import MAX_MONEY
from kam.customers.models import Customer, ScoringCriterion
from kam.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

LARGEST = "9999999999999.99"
TOO_LARGE = "10000000000000.00"
SIXTEEN_DIGITS = "12345678901234.56"


def test_the_limit_is_what_a_double_holds_to_the_cent():
    assert float(MAX_MONEY) == 9999999999999.99 and Decimal(repr(float(MAX_MONEY))) == MAX_MONEY


@pytest.mark.parametrize("field", ["annual_revenue", "category_purchases"])
def test_customer_figures_round_trip_at_the_limit_and_are_refused_above_it(world, api_as, field):
    api = api_as(world.east_rep)
    created = api.post("/customers", {"name": "Largest", field: LARGEST})
    assert created.status_code == 201, created.content
    assert created.json()[field] == LARGEST
    # Read back through the list and the detail: nothing rounded, nothing unreadable.
    assert api.get(f"/customers/{created.json()['id']}").json()[field] == LARGEST
    assert api.get("/customers", {"q": "Largest"}).status_code == 200
    for value in (TOO_LARGE, SIXTEEN_DIGITS):
        refused = api.post("/customers", {"name": "Too large", field: value})
        assert refused.status_code == 422 and field in refused.json()["errors"], value
    assert not Customer.objects.filter(name="Too large").exists()


def test_opportunity_amount_round_trips_at_the_limit_and_is_refused_above_it(world, api_as):
    api = api_as(world.east_rep)
    created = api.post(
        "/opportunities", {"customer": world.east_customer.pk, "name": "Largest", "amount": LARGEST}
    )
    assert created.status_code == 201, created.content
    assert Opportunity.objects.get(name="Largest").amount == Decimal(LARGEST)
    assert api.get("/opportunities").status_code == 200
    refused = api.post(
        "/opportunities", {"customer": world.east_customer.pk, "name": "Too", "amount": SIXTEEN_DIGITS}
    )
    assert refused.status_code == 422 and "amount" in refused.json()["errors"]


def test_target_amount_above_the_limit_is_refused(world, api_as):
    body = {"team": world.east.pk, "period_start": "2027-07-01", "period_end": "2027-09-30"}
    api = api_as(world.east_mgr)
    assert api.post("/insights/targets", {**body, "amount": TOO_LARGE}).status_code == 422
    assert api.post("/insights/targets", {**body, "amount": LARGEST}).json()["amount"] == LARGEST


def test_band_bounds_above_the_limit_are_refused_and_the_model_stays_readable(world, api_as):
    api = api_as(world.admin)
    body = {
        "code": "huge_band",
        "name": "大",
        "kind": "dynamic",
        "source": "open_weighted_pipeline",
        "weight": "5",
        "bands": [{"label": "巨", "min_value": "9999999999999999.99", "points": "10"}],
    }
    response = api.client.post(
        reverse("api:scoring_criterion_create"),
        json.dumps(body),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **api._headers(),
    )
    assert response.status_code == 422, response.content
    assert not ScoringCriterion.objects.filter(code="huge_band").exists()
    assert api.get("/scoring-model").status_code == 200


def test_customer_form_refuses_an_amount_above_the_limit(client, world):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("customers:create"),
        {
            "name": "Too large",
            "owner": world.east_rep.pk,
            "status": "prospect",
            "annual_revenue": SIXTEEN_DIGITS,
        },
    )
    assert response.status_code == 400
    assert "annual_revenue" in response.context["form"].errors
    assert not Customer.objects.filter(name="Too large").exists()


def test_dynamic_tag_rule_says_too_large_rather_than_negative():
    from django.utils import translation

    from kam.customers.selectors import CustomerFilters

    with translation.override("en"):
        parsed = CustomerFilters.parse({"open_pipeline_min": "1e20"})
    assert "at most" in parsed.errors["open_pipeline_min"]
