"""Closing picks its reason from the administrators' lists per outcome: the close page, the API,
the service's rules (wrong outcome, retired reason, the competitor a listed loss names) and the
admin that keeps the lists."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kam.opportunities import services
from kam.opportunities.models import CloseReason, OpportunityStatus
from tests.factories import CompetitorFactory

pytestmark = pytest.mark.django_db


def reason(outcome: str, code: str) -> CloseReason:
    return CloseReason.objects.get(outcome=outcome, code=code)


def close_page(client, opp, **data):
    return client.post(reverse("opportunities:close", args=[opp.pk]), {"version": opp.version, **data})


# --- the close page ---------------------------------------------------------------------------


def test_close_page_groups_the_active_reasons_under_their_outcome(client, world):
    retired = reason("won", "price")
    retired.is_active = False
    retired.save()
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:close", args=[world.east_opp.pk])).content.decode()
    for label in ("Won", "Lost", "Dropped"):
        assert f'<optgroup label="{label}">' in body
    assert "Competitor&#x27;s relationships stronger" in body
    assert f'value="{reason("lost", "price").pk}"' in body
    assert f'value="{retired.pk}"' not in body


def test_close_page_requires_a_listed_reason(client, world):
    client.force_login(world.east_rep)
    response = close_page(client, world.east_opp, status="won", reason="Signed at last")
    assert response.status_code == 200
    assert response.context["form"].errors["reason_choice"] == ["Choose the reason from the list."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


def test_close_page_refuses_a_reason_of_another_outcome(client, world):
    client.force_login(world.east_rep)
    response = close_page(
        client, world.east_opp, status="won", reason_choice=reason("dropped", "no-budget").pk
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason_choice"] == ["The reason belongs to another outcome."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


def test_close_page_asks_for_the_competitor_when_the_reason_names_one(client, world):
    client.force_login(world.east_rep)
    response = close_page(client, world.east_opp, status="lost", reason_choice=reason("lost", "price").pk)
    assert response.status_code == 200
    assert response.context["form"].errors["lost_to"] == ["Name the competitor the opportunity was lost to."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


def test_a_loss_for_a_reason_without_competitor_closes_without_one(client, world):
    client.force_login(world.east_rep)
    response = close_page(
        client, world.east_opp, status="lost", reason_choice=reason("lost", "qualification").pk
    )
    assert response.status_code == 302
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.LOST
    assert world.east_opp.lost_to is None
    # Without words the listed reason's name is the reason the pages show.
    assert world.east_opp.close_reason == "Qualification not met"


def test_closed_page_shows_the_listed_reason_and_the_lessons(client, world):
    services.close_opportunity(
        world.east_opp,
        by=world.east_rep,
        status="won",
        reason_choice=reason("won", "relationship"),
        reason="The plant manager backed us",
        lessons="Meet the plant manager in the first month",
    )
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:detail", args=[world.east_opp.pk])).content.decode()
    assert "Stronger relationships" in body
    assert "The plant manager backed us" in body
    assert "Meet the plant manager in the first month" in body


# --- the service ------------------------------------------------------------------------------


def test_service_refuses_a_retired_reason(world):
    retired = reason("dropped", "no-bid")
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError) as excinfo:
        services.close_opportunity(world.east_opp, by=world.east_rep, status="dropped", reason_choice=retired)
    assert excinfo.value.message_dict["reason_choice"] == ["This reason is no longer in use."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


def test_service_keeps_the_listed_reason_the_words_and_the_lessons(world):
    rival = CompetitorFactory(name="Rival")
    services.close_opportunity(
        world.east_opp,
        by=world.east_rep,
        status="lost",
        reason_choice=reason("lost", "decision-maker"),
        lost_to=rival,
        reason="  The GM never met us ",
        lessons=" Go to the top early ",
    )
    world.east_opp.refresh_from_db()
    assert world.east_opp.close_reason_choice == reason("lost", "decision-maker")
    assert (world.east_opp.close_reason, world.east_opp.lessons) == (
        "The GM never met us",
        "Go to the top early",
    )
    assert world.east_opp.lost_to == rival


# --- the API ----------------------------------------------------------------------------------


def test_api_lists_the_reasons_of_an_outcome(world, api_as):
    retired = reason("lost", "other")
    retired.is_active = False
    retired.save()
    client = api_as(world.east_rep)
    body = client.get("/close-reasons", {"outcome": "lost"}).json()
    assert [r["code"] for r in body] == [
        "competitor-relationship",
        "price",
        "solution",
        "decision-maker",
        "qualification",
    ]
    assert body[0]["needs_competitor"] is True and body[0]["name"] == "Competitor's relationships stronger"
    every = client.get("/close-reasons", {"outcome": "lost", "include_retired": "true"}).json()
    assert "other" in [r["code"] for r in every]


def test_api_closes_with_a_reason_code_and_shows_it(world, api_as):
    rival = CompetitorFactory(name="Rival Corp")
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/close",
        {"status": "lost", "reason_choice": "solution", "lost_to": rival.pk, "lessons": "Demo earlier"},
        if_match=1,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    listed = reason("lost", "solution")
    assert body["close_reason_choice"] == {"id": listed.pk, "code": "solution", "name": listed.name_en}
    assert body["lessons"] == "Demo earlier"
    assert body["close_reason"] == listed.name_en


def test_api_refuses_a_reason_of_another_outcome_by_id_and_by_code(world, api_as):
    client = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}/close"
    by_id = client.post(path, {"status": "won", "reason_choice": reason("lost", "price").pk}, if_match=1)
    assert by_id.status_code == 422
    assert by_id.json()["errors"]["reason_choice"] == ["The reason belongs to another outcome."]
    by_code = client.post(path, {"status": "won", "reason_choice": "no-budget"}, if_match=1)
    assert by_code.status_code == 422
    assert by_code.json()["errors"]["reason_choice"] == ["The reason belongs to another outcome."]
    unknown = client.post(path, {"status": "won", "reason_choice": "luck"}, if_match=1)
    assert unknown.json()["errors"]["reason_choice"] == ["Unknown close reason."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


def test_api_requires_the_competitor_for_such_a_loss_and_refuses_a_retired_reason(world, api_as):
    client = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}/close"
    no_rival = client.post(path, {"status": "lost", "reason_choice": "competitor-relationship"}, if_match=1)
    assert no_rival.status_code == 422
    assert "lost_to" in no_rival.json()["errors"]
    retired = reason("dropped", "low-margin")
    retired.is_active = False
    retired.save()
    refused = client.post(path, {"status": "dropped", "reason_choice": "low-margin"}, if_match=1)
    assert refused.status_code == 422
    assert refused.json()["errors"]["reason_choice"] == ["This reason is no longer in use."]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.OPEN


# --- the admin --------------------------------------------------------------------------------


def test_admin_edits_the_reason_lists(client, world):
    client.force_login(world.admin)
    listing = client.get(reverse("admin:opportunities_closereason_changelist"))
    assert listing.status_code == 200
    assert "Decided not to bid" in listing.content.decode()
    added = client.post(
        reverse("admin:opportunities_closereason_add"),
        {
            "outcome": "lost",
            "code": "timing",
            "name": "时机不对",
            "name_en": "Bad timing",
            "order": 20,
            "is_active": "on",
        },
    )
    assert added.status_code == 302
    created = reason("lost", "timing")
    assert (created.name_en, created.needs_competitor) == ("Bad timing", False)
