"""The opportunity API, along the stages: moves, closing, history, the stages and processes."""

from __future__ import annotations

import pytest

from kam.opportunities.models import OpportunityStatus, Stage, StageChange
from tests.factories import CompetitorFactory, make_opportunity, stage

pytestmark = pytest.mark.django_db

# --- move ---------------------------------------------------------------------------------------


def test_forward_move_without_key_node_confirmation_is_409_and_stage_unchanged(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move", {"to_stage": "P1"}, if_match=1
    )
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == "rule_violation"
    assert "P1" in body["message"]
    assert "key_node_confirmed" in body["errors"]
    world.east_opp.refresh_from_db()
    assert world.east_opp.stage.code == "P0"


def test_move_forward_with_confirmation_records_history_and_returns_warnings(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move",
        {"to_stage": "P1", "key_node_confirmed": True, "note": "Target confirmed"},
        if_match=1,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["opportunity"]["stage"]["code"] == "P1"
    assert len(body["warnings"]) == 2  # P0's two exit criteria are still open
    change = StageChange.objects.filter(opportunity=world.east_opp).first()
    assert (change.from_stage.code, change.to_stage.code, change.note) == ("P0", "P1", "Target confirmed")


def test_move_accepts_the_stage_id_and_the_version_in_the_body(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move",
        {"to_stage": stage("P2").pk, "key_node_confirmed": True, "version": 1},
    )
    assert response.status_code == 200, response.content
    assert response.json()["opportunity"]["stage"]["code"] == "P2"


def test_move_without_any_version_is_428(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move", {"to_stage": "P1", "key_node_confirmed": True}
    )
    assert response.status_code == 428


def test_move_with_a_stale_version_is_412_and_stage_unchanged(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move", {"to_stage": "P1", "key_node_confirmed": True}, if_match=7
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 1
    world.east_opp.refresh_from_db()
    assert world.east_opp.stage.code == "P0"


def test_backward_move_needs_a_note(world, api_as):
    opportunity = make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P3")
    client = api_as(world.east_rep)
    refused = client.post(f"/opportunities/{opportunity.pk}/move", {"to_stage": "P2"}, if_match=1)
    assert refused.status_code == 409
    assert "note" in refused.json()["errors"]
    moved = client.post(
        f"/opportunities/{opportunity.pk}/move", {"to_stage": "P2", "note": "Budget reopened"}, if_match=1
    )
    assert moved.status_code == 200
    assert moved.json()["opportunity"]["stage"]["code"] == "P2"


def test_move_to_a_stage_of_another_process_or_unknown_stage_is_422(world, api_as):
    other = Stage.objects.get(process__code="project-sale", code="S2")
    client = api_as(world.east_rep)
    for target in (other.pk, "S2", "P42"):
        response = client.post(
            f"/opportunities/{world.east_opp.pk}/move",
            {"to_stage": target, "key_node_confirmed": True},
            if_match=1,
        )
        assert response.status_code == 422, target
        assert "to_stage" in response.json()["errors"]


# --- close --------------------------------------------------------------------------------------


def test_close_as_lost_names_the_competitor(world, api_as):
    competitor = CompetitorFactory(name="Rival Corp")
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/close",
        {"status": "lost", "reason_choice": "price", "reason": "Price", "lost_to": "Rival Corp"},
        if_match=1,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "lost"
    assert body["lost_to"] == {"id": competitor.pk, "name": "Rival Corp"}
    assert response["ETag"] == '"2"'
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == OpportunityStatus.LOST


def test_close_needs_if_match_and_a_reason(world, api_as):
    client = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}/close"
    assert client.post(path, {"status": "won", "reason_choice": "solution"}).status_code == 428
    no_reason = client.post(path, {"status": "won", "reason": "Signed"}, if_match=1)
    assert no_reason.status_code == 422
    assert "reason_choice" in no_reason.json()["errors"]
    bad_status = client.post(path, {"status": "open", "reason_choice": "other"}, if_match=1)
    assert bad_status.status_code == 422
    assert "status" in bad_status.json()["errors"]
    world.east_opp.refresh_from_db()
    assert world.east_opp.status == "open"


def test_closing_twice_is_409(world, api_as):
    client = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}/close"
    dropped = {"status": "dropped", "reason_choice": "no-budget"}
    assert client.post(path, dropped, if_match=1).status_code == 200
    assert client.post(path, {"status": "won", "reason_choice": "other"}, if_match=2).status_code == 409


# --- history, stages, processes -----------------------------------------------------------------


def test_history_lists_stage_changes_newest_first(world, api_as):
    client = api_as(world.east_rep)
    client.post(
        f"/opportunities/{world.east_opp.pk}/move", {"to_stage": "P1", "key_node_confirmed": True}, if_match=1
    )
    client.patch(f"/opportunities/{world.east_opp.pk}", {"name": "Furnace #2"}, if_match=2)
    body = client.get(f"/opportunities/{world.east_opp.pk}/history").json()
    assert [
        (c["from_stage"] and c["from_stage"]["code"], c["to_stage"]["code"]) for c in body["stage_changes"]
    ] == [
        ("P0", "P1"),
        (None, "P0"),
    ]
    assert body["stage_changes"][0]["changed_by"]["id"] == world.east_rep.pk
    assert [(c["field"], c["new_value"]) for c in body["changes"]] == [("name", "Furnace #2")]


def test_stages_list_every_process_with_rules_and_exit_criteria(world, api_as):
    body = api_as(world.east_rep).get("/stages").json()
    assert len(body) == Stage.objects.count()
    p4 = next(s for s in body if s["process"] == "key-account" and s["code"] == "P4")
    assert p4["probability"] == 50
    assert p4["requires_exact_amount"] and p4["requires_exact_date"]
    assert p4["key_node_en"] == "Bid or negotiated bid"
    assert len(p4["exit_criteria"]) == 2
    p7 = next(s for s in body if s["code"] == "P7")
    assert p7["is_won"] and not p7["is_lost"]
    only = api_as(world.east_rep).get("/stages", {"process": "project-sale"}).json()
    assert [s["code"] for s in only] == ["S1", "S2", "S3", "S4", "S5", "S6"]


def test_processes_list_their_stages_in_order(world, api_as):
    body = api_as(world.east_rep).get("/processes").json()
    default = next(p for p in body if p["is_default"])
    assert default["code"] == "key-account"
    assert [s["code"] for s in default["stages"]] == [f"P{i}" for i in range(8)]


def test_forecast_category_is_set_through_the_api_and_defaults_to_the_stage(world, api_as):
    api = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}"
    body = api.get(path).json()
    assert (body["forecast_category"], body["effective_forecast_category"]) == ("", "pipeline")
    changed = api.patch(path, {"forecast_category": "best_case"}, if_match=body["version"])
    assert changed.status_code == 200
    assert changed.json()["effective_forecast_category"] == "best_case"
    refused = api.patch(path, {"forecast_category": "maybe"}, if_match=changed.json()["version"])
    assert refused.status_code == 422 and "forecast_category" in refused.json()["errors"]
