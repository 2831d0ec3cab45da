"""The scoring API, a customer's side: tier overrides with their history, and the visibility of a
customer's score."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.customers.models import Customer, TierOverride
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from tests.customers.scoring.conftest import send

pytestmark = pytest.mark.django_db

D = Decimal

# --- Tier overrides ----------------------------------------------------------------------------------


def override_url(customer) -> str:
    return reverse("api:customer_tier_override", args=[customer.pk])


def history_url(customer) -> str:
    return reverse("api:customer_tier_overrides", args=[customer.pk])


@pytest.fixture
def scored(world):
    scoring.rescore([world.east_customer.pk])
    return Customer.objects.get(pk=world.east_customer.pk)


def test_manager_overrides_the_tier_with_a_reason(world, api_as, scored):
    score, computed = scored.score, scored.computed_tier
    response = send(
        api_as(world.east_mgr),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "Group strategic account", "expected_override": ""},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tier"], body["segment"]) == ("A", "key")
    entry = body["override"]
    assert (entry["tier"], entry["previous_tier"], entry["computed_tier"]) == ("A", computed, computed)
    assert D(entry["computed_score"]) == score
    assert entry["reason"] == "Group strategic account"
    assert entry["created_by"]["id"] == world.east_mgr.pk
    scored.refresh_from_db()
    assert (scored.tier, scored.tier_override, scored.segment) == ("A", "A", "key")
    assert (scored.score, scored.computed_tier) == (score, computed)


def test_override_history_is_newest_first_with_who_when_why_and_computed_tier(world, api_as, scored):
    computed = scored.computed_tier
    manager = api_as(world.east_mgr)
    first = send(
        manager, "post", override_url(scored), {"tier": "B", "reason": "Budget", "expected_override": ""}
    )
    assert first.status_code == 201, first.content
    second = send(
        api_as(world.director),
        "post",
        override_url(scored),
        {"tier": "", "reason": "Back to the numbers", "expected_override": "B"},
    )
    assert second.status_code == 201, second.content
    assert second.json()["tier"] == computed
    response = send(api_as(world.east_rep), "get", history_url(scored))
    assert response.status_code == 200, response.content
    history = response.json()
    assert [(h["tier"], h["previous_tier"], h["computed_tier"], h["reason"]) for h in history] == [
        ("", "B", computed, "Back to the numbers"),
        ("B", computed, computed, "Budget"),
    ]
    assert [h["created_by"]["id"] for h in history] == [world.director.pk, world.east_mgr.pk]
    assert [h["id"] for h in history] == [second.json()["override"]["id"], first.json()["override"]["id"]]
    assert all(h["created_at"] for h in history)
    assert history[0]["created_at"] >= history[1]["created_at"]


def test_rep_may_not_override_a_tier(world, api_as, scored):
    response = send(
        api_as(world.east_rep),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "My biggest", "expected_override": ""},
    )
    assert response.status_code == 403
    assert not TierOverride.objects.exists()
    scored.refresh_from_db()
    assert scored.tier_override == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "A", "expected_override": ""}, "reason"),
        ({"tier": "A", "reason": "   ", "expected_override": ""}, "reason"),
        ({"tier": "A", "reason": "Why"}, "expected_override"),
        ({"tier": "", "reason": "Nothing to remove", "expected_override": ""}, "tier"),
        ({"tier": "E", "reason": "Why", "expected_override": ""}, "tier"),
        ({"tier": "A", "reason": "Why", "expected_override": "Z"}, "expected_override"),
    ],
)
def test_bad_override_is_422_and_nothing_is_written(world, api_as, scored, body, field):
    response = send(api_as(world.east_mgr), "post", override_url(scored), body)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]  # under the field's own name, nothing else
    assert not TierOverride.objects.exists()
    scored.refresh_from_db()
    assert scored.tier_override == ""


def test_override_over_one_the_caller_did_not_see_is_412(world, api_as, scored):
    scoring_services.override_tier(scored, by=world.east_mgr, tier="B", reason="First", expected_override="")
    response = send(
        api_as(world.director),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "Second", "expected_override": ""},
    )
    assert response.status_code == 412, response.content
    assert response.json()["detail"] == "conflict"
    scored.refresh_from_db()
    assert scored.tier_override == "B"
    assert list(TierOverride.objects.values_list("reason", flat=True)) == ["First"]


def test_manager_of_another_team_gets_404_on_overrides(world, api_as, scored):
    scoring_services.override_tier(scored, by=world.east_mgr, tier="B", reason="Budget", expected_override="")
    west = api_as(world.west_mgr)
    assert send(west, "get", history_url(scored)).status_code == 404
    response = send(
        west, "post", override_url(scored), {"tier": "A", "reason": "Mine now", "expected_override": "B"}
    )
    assert response.status_code == 404
    scored.refresh_from_db()
    assert scored.tier_override == "B"
    assert TierOverride.objects.count() == 1


# --- A customer's score: visibility ------------------------------------------------------------------


def test_rep_of_another_team_gets_404_on_a_customers_score(world, api_as):
    url = reverse("api:customer_score", args=[world.east_customer.pk])
    assert send(api_as(world.east_rep), "get", url).status_code == 200
    response = send(api_as(world.west_rep), "get", url)
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found"}
