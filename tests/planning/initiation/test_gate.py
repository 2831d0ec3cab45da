"""The stage gate: a stage that requires initiation is entered only with an approved report."""

from __future__ import annotations

import pytest

from kam.core.errors import RuleViolation
from kam.opportunities.services import move_stage
from kam.planning.approvals import services as approvals
from kam.planning.initiation import services
from kam.planning.initiation.models import InitiationStatus
from tests.factories import approve_initiation, make_opportunity, stage

pytestmark = pytest.mark.django_db


def _ready(opportunity, by):
    report = services.save_report(
        opportunity,
        by=by,
        version=0,
        background="Plant expansion",
        customer_needs="Two new lines",
        our_solution="Turnkey furnace",
        expense_budget=50000,
        gross_margin=30,
    )
    return report


def _move(opportunity, code):
    opportunity.refresh_from_db()
    return move_stage(opportunity, stage(code), by=opportunity.owner, key_node_confirmed=True)


def test_entering_p3_without_an_initiation_is_refused_with_the_stage_named(world):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P2")
    with pytest.raises(RuleViolation) as refused:
        _move(opportunity, "P3")
    assert "P3" in str(refused.value)
    assert "initiation" in str(refused.value)
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P2"


def test_refused_while_pending_and_after_a_rejection(world):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P2")
    report = services.submit_report(_ready(opportunity, world.east_rep), by=world.east_rep)
    assert report.status == InitiationStatus.PENDING
    with pytest.raises(RuleViolation):
        _move(opportunity, "P3")

    approvals.decide(report.approval, by=world.east_mgr, approve=False, comment="No budget yet")
    report.refresh_from_db()
    assert report.status == InitiationStatus.REJECTED
    with pytest.raises(RuleViolation):
        _move(opportunity, "P3")


def test_allowed_once_approved_through_both_steps(world):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P2")
    report = services.submit_report(_ready(opportunity, world.east_rep), by=world.east_rep)
    approvals.decide(report.approval, by=world.east_mgr, approve=True)
    with pytest.raises(RuleViolation):
        _move(opportunity, "P3")  # one step of two
    approvals.decide(report.approval, by=world.director, approve=True)

    _move(opportunity, "P3")
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P3"


def test_a_jump_past_the_gated_stage_is_refused(world):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P1")
    with pytest.raises(RuleViolation) as refused:
        _move(opportunity, "P5")
    assert "P3" in str(refused.value)

    approve_initiation(opportunity)
    _move(opportunity, "P5")
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P5"


def test_stages_without_the_flag_are_unaffected(world):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P0")
    _move(opportunity, "P2")
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P2"
    # Moving on from a gated stage (already in it) needs nothing more.
    later = make_opportunity(owner=world.east_rep, stage_code="P3")
    _move(later, "P4")
    later.refresh_from_db()
    assert later.stage.code == "P4"


def test_the_flag_is_data(world):
    p3 = stage("P3")
    p3.requires_initiation = False
    p3.save()
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P2")
    _move(opportunity, "P3")
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P3"


def test_the_api_answers_409_with_the_message(world, api_as):
    opportunity = make_opportunity(owner=world.east_rep, stage_code="P2")
    response = api_as(world.east_rep).post(
        f"/opportunities/{opportunity.pk}/move",
        {"to_stage": "P3", "key_node_confirmed": True},
        if_match=opportunity.version,
    )
    assert response.status_code == 409
    assert "P3" in response.json()["message"]
    assert "initiation" in response.json()["message"]
