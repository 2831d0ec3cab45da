"""Writing an opportunity from the pages: stage moves, edit, create and close."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.opportunities import services
from kam.opportunities.models import (
    CloseReason,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    StageChange,
)
from tests.factories import CompetitorFactory, make_opportunity, stage

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def move(client, opp, to_code, **data):
    payload = {"to_stage": stage(to_code).pk, "version": opp.version, **data}
    return client.post(reverse("opportunities:move", args=[opp.pk]), payload, **JSON)


# --- stage move -------------------------------------------------------------------------------


def test_move_forward_with_key_node_confirmed_records_the_change(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = move(client, opp, "P1", key_node_confirmed="on")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["ok"] is True
    assert any("Customer's basic facts verified" in w or "客户基本信息已核实" in w for w in data["warnings"])
    opp.refresh_from_db()
    assert opp.stage.code == "P1"
    change = StageChange.objects.filter(opportunity=opp).first()
    assert (
        change.from_stage.code == "P0"
        and change.to_stage.code == "P1"
        and change.changed_by == world.east_rep
    )


def test_move_forward_without_key_node_is_refused_with_409(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = move(client, opp, "P1")
    assert response.status_code == 409
    data = json.loads(response.content)
    assert data["ok"] is False and "P1" in data["message"]
    opp.refresh_from_db()
    assert opp.stage.code == "P0"
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_move_backward_needs_a_note(client, world):
    opp = make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P2")
    client.force_login(world.east_rep)
    refused = move(client, opp, "P1")
    assert refused.status_code == 409
    opp.refresh_from_db()
    assert opp.stage.code == "P2"
    accepted = move(client, opp, "P1", note="budget frozen")
    assert accepted.status_code == 200
    opp.refresh_from_db()
    assert opp.stage.code == "P1"
    assert StageChange.objects.filter(opportunity=opp).first().note == "budget frozen"


def test_move_with_stale_version_is_a_conflict(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = move(client, opp, "P1", key_node_confirmed="on", version=opp.version + 5)
    assert response.status_code == 409
    assert json.loads(response.content)["ok"] is False
    opp.refresh_from_db()
    assert opp.stage.code == "P0"


def test_move_to_stage_of_another_process_is_refused(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:move", args=[opp.pk]),
        {"to_stage": stage("S2", "project-sale").pk, "version": opp.version, "key_node_confirmed": "on"},
        **JSON,
    )
    assert response.status_code == 409
    opp.refresh_from_db()
    assert opp.stage.code == "P0"


def test_move_without_js_redirects_back_with_messages(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    url = reverse("opportunities:move", args=[opp.pk])
    refused = client.post(url, {"to_stage": stage("P1").pk, "version": opp.version}, follow=True)
    assert refused.redirect_chain[-1][0] == reverse("opportunities:detail", args=[opp.pk])
    assert any("P1" in str(m) for m in refused.context["messages"])
    moved = client.post(url, {"to_stage": stage("P1").pk, "version": opp.version, "key_node_confirmed": "on"})
    assert moved.status_code == 302
    opp.refresh_from_db()
    assert opp.stage.code == "P1"


# --- edit / create / close --------------------------------------------------------------------


def _edit_payload(opp, **overrides):
    data = {
        "name": opp.name,
        "owner": opp.owner_id,
        "amount": "1000000",
        "amount_low": "",
        "amount_high": "",
        "sign_date": "2027-03-31",
        "sign_date_precision": "day",
        "product_line": "",
        "gross_margin": "",
        "expense_budget": "",
        "customer_lead": "",
        "initiated_at": "",
        "version": opp.version,
    }
    data.update(overrides)
    return data


def test_edit_saves_and_records_history(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(reverse("opportunities:edit", args=[opp.pk]), _edit_payload(opp, amount="1500000"))
    assert response.status_code == 302
    opp.refresh_from_db()
    assert opp.amount == Decimal("1500000")
    assert OpportunityChange.objects.filter(opportunity=opp, field="amount").exists()


def test_edit_with_stale_version_shows_conflict_and_saves_nothing(client, world):
    opp = world.east_opp
    stale_version = opp.version
    services.update_opportunity(opp, by=world.east_rep2, version=opp.version, name="Renamed by colleague")
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:edit", args=[opp.pk]),
        _edit_payload(opp, name="My rename", amount="9", version=stale_version),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this opportunity" in body
    assert "Renamed by colleague" in body  # the current values are shown
    opp.refresh_from_db()
    assert opp.name == "Renamed by colleague"
    assert opp.amount == Decimal("1000000")


def test_edit_service_validation_errors_land_on_fields(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:edit", args=[opp.pk]),
        _edit_payload(opp, amount="", amount_low="500", amount_high="100"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount_high"]
    opp.refresh_from_db()
    assert opp.amount == Decimal("1000000")


def _create_payload(world, **overrides):
    data = {
        "name": "New line",
        "customer": world.east_customer.pk,
        "owner": world.east_rep.pk,
        "stage": stage("P0").pk,
        "amount": "",
        "amount_low": "",
        "amount_high": "",
        "sign_date": "",
        "sign_date_precision": "quarter",
        "product_line": "",
        "gross_margin": "",
        "expense_budget": "",
        "customer_lead": "",
        "initiated_at": "",
    }
    data.update(overrides)
    return data


def test_create_makes_an_opportunity_and_redirects(client, world):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:create"),
        _create_payload(world, amount_low="100", amount_high="200", sign_date="2027-08-01"),
    )
    opp = Opportunity.objects.get(name="New line")
    assert response.status_code == 302
    assert response["Location"] == reverse("opportunities:detail", args=[opp.pk])
    assert opp.sign_date == dt.date(2027, 9, 30)  # a quarter is stored as its last day
    assert opp.owner == world.east_rep


def test_create_with_p4_and_an_amount_range_shows_the_field_error(client, world):
    client.force_login(world.east_rep)
    before = Opportunity.objects.count()
    response = client.post(
        reverse("opportunities:create"),
        _create_payload(
            world,
            stage=stage("P4").pk,
            amount_low="100",
            amount_high="200",
            sign_date="2027-08-01",
            sign_date_precision="day",
        ),
    )
    assert response.status_code == 200
    assert "P4" in " ".join(response.context["form"].errors["amount"])
    assert Opportunity.objects.count() == before


def test_create_offers_only_visible_customers_and_preselects(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:create"), {"customer": world.east_customer.pk})
    form = response.context["form"]
    assert list(form.fields["customer"].queryset) == [world.east_customer]
    assert form.initial["customer"] == world.east_customer.pk
    refused = client.post(
        reverse("opportunities:create"), _create_payload(world, customer=world.west_customer.pk)
    )
    assert refused.status_code == 200
    assert "customer" in refused.context["form"].errors
    assert not Opportunity.objects.filter(name="New line").exists()


def test_close_as_lost_to_a_competitor(client, world):
    opp = world.east_opp
    rival = CompetitorFactory(name="Rival")
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:close", args=[opp.pk]),
        {
            "status": "lost",
            "reason_choice": CloseReason.objects.get(outcome="lost", code="price").pk,
            "reason": "price",
            "lost_to": rival.pk,
            "lessons": "Build the cost case earlier",
            "version": opp.version,
        },
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert opp.status == OpportunityStatus.LOST and opp.lost_to == rival and opp.close_reason == "price"
    assert opp.close_reason_choice.code == "price"
    assert opp.lessons == "Build the cost case earlier"


def test_close_without_reason_shows_the_error_and_keeps_it_open(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:close", args=[opp.pk]), {"status": "dropped", "reason": "No budget"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason_choice"] == ["Choose the reason from the list."]
    opp.refresh_from_db()
    assert opp.status == OpportunityStatus.OPEN


def test_detail_page_carries_the_close_dialog(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:detail", args=[world.east_opp.pk])).content.decode()
    assert '<dialog id="close-dialog"' in body
    assert reverse("opportunities:close", args=[world.east_opp.pk]) in body
