from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.opportunities.services import add_competitor, set_contact_role, set_member, update_opportunity
from kam.planning.approvals import selectors as approval_selectors
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalStatus
from kam.planning.initiation import selectors, services
from kam.planning.initiation.models import InitiationChangeAction, InitiationStatus
from kam.relationships.models import DecisionRole, Relationship, Stance
from tests.factories import CompetitorFactory, ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db

FILLED = {
    "background": "Plant expansion",
    "customer_needs": "Two new lines",
    "our_solution": "Turnkey furnace",
    "expense_budget": Decimal("50000"),
    "gross_margin": Decimal("30"),
}


@pytest.fixture
def deal(world):
    opportunity = make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        stage_code="P2",
        product_line="Furnaces",
        gross_margin=Decimal("28.5"),
        expense_budget=Decimal("40000"),
    )
    return opportunity


def test_a_new_report_is_prefilled_from_the_deal(world, deal):
    set_member(deal, world.east_rep2, by=world.east_rep, role="member", part="Technical solution")
    report = services.save_report(deal, by=world.east_rep, version=0, background="Expansion")

    assert report.status == InitiationStatus.DRAFT
    assert report.background == "Expansion"
    assert report.product_line == "Furnaces"
    assert report.gross_margin == Decimal("28.5")
    assert report.expense_budget == Decimal("40000")
    assert "Technical solution" in report.resources
    assert [c.action for c in report.changes.all()] == [InitiationChangeAction.CREATED]


def test_edits_are_versioned_and_kept_in_the_history(world, deal):
    report = services.save_report(deal, by=world.east_rep, version=0)
    services.save_report(deal, by=world.east_rep, version=1, risks="Budget freeze")
    with pytest.raises(ConflictError):
        services.save_report(deal, by=world.east_rep2, version=1, risks="Stale")
    with pytest.raises(ConflictError):
        services.save_report(deal, by=world.east_rep2, version=0, risks="A second report")

    report.refresh_from_db()
    assert report.risks == "Budget freeze"
    edit = report.changes.get(action=InitiationChangeAction.EDITED)
    assert edit.changes == {"risks": ["", "Budget freeze"]}
    assert edit.changed_by == world.east_rep


def test_submit_needs_the_content_and_the_four_elements(world, deal):
    report = services.save_report(deal, by=world.east_rep, version=0, background="x")
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report, by=world.east_rep)
    assert {"customer_needs", "our_solution"} <= set(refused.value.message_dict)

    report = services.save_report(deal, by=world.east_rep, version=report.version, **FILLED)
    update_opportunity(deal, by=world.east_rep, version=deal.version, sign_date=None)
    with pytest.raises(ValidationError) as refused:
        services.submit_report(report, by=world.east_rep)
    assert "__all__" in refused.value.message_dict
    report.refresh_from_db()
    assert report.status == InitiationStatus.DRAFT


def test_submit_stores_the_deal_as_it_stood(world, deal):
    competitor = CompetitorFactory(name="Rival Ltd")
    add_competitor(deal, competitor, by=world.east_rep, strengths="Cheap")
    contact = ContactFactory(customer=world.east_customer, name="Chief Wang", title="GM")
    set_contact_role(
        deal, contact, by=world.east_rep, decision_role=DecisionRole.DECISION_MAKER, stance=Stance.SUPPORT
    )
    Relationship.objects.create(user=world.east_rep, contact=contact, level=4)
    report = services.save_report(deal, by=world.east_rep, version=0, **FILLED)

    report = services.submit_report(report, by=world.east_rep)

    assert report.status == InitiationStatus.PENDING
    assert report.elements["name"] == deal.name
    assert report.elements["amount"] == "1000000.00"
    assert report.competitors == [{"name": "Rival Ltd", "strengths": "Cheap", "weaknesses": "", "notes": ""}]
    assert report.decision_chain[0]["contact"] == "Chief Wang"
    assert report.decision_chain[0]["level"] == "CR4"
    assert report.decision_chain[0]["stance"] == "A"
    # Later changes to the deal do not rewrite what was submitted.
    update_opportunity(deal, by=world.east_rep, version=deal.version, name="Renamed")
    report.refresh_from_db()
    assert report.elements["name"] != "Renamed"
    assert approval_selectors.awaiting_count(world.east_mgr) == 1
    with pytest.raises(RuleViolation):
        services.save_report(deal, by=world.east_rep, version=report.version, risks="Too late")


def test_rejection_returns_it_with_the_comment_and_it_can_be_resubmitted(world, deal):
    report = services.submit_report(
        services.save_report(deal, by=world.east_rep, version=0, **FILLED), by=world.east_rep
    )
    first = report.approval
    approvals.decide(first, by=world.east_mgr, approve=False, comment="Margin too thin")

    report.refresh_from_db()
    assert report.status == InitiationStatus.REJECTED
    assert report.rejection_comment == "Margin too thin"
    assert selectors.state(deal) == "rejected"

    report = services.save_report(deal, by=world.east_rep, version=report.version, gross_margin=Decimal("35"))
    report = services.submit_report(report, by=world.east_rep)
    assert report.approval != first
    assert report.rejection_comment == ""
    first.refresh_from_db()
    assert first.status == ApprovalStatus.REJECTED
    approvals.decide(report.approval, by=world.east_mgr, approve=True)
    approvals.decide(report.approval, by=world.director, approve=True, comment="Go")

    report.refresh_from_db()
    deal.refresh_from_db()
    assert report.status == InitiationStatus.APPROVED
    assert report.approved_at is not None
    assert deal.initiated_at is not None
    assert selectors.state(deal) == "approved"
    assert [c.action for c in reversed(selectors.history(report))] == [
        "created",
        "submitted",
        "rejected",
        "edited",
        "submitted",
        "approved",
    ]
    with pytest.raises(RuleViolation):
        services.save_report(deal, by=world.east_rep, version=report.version, risks="After approval")


def test_withdraw_by_the_submitter_makes_it_a_draft_again(world, deal):
    report = services.submit_report(
        services.save_report(deal, by=world.east_rep, version=0, **FILLED), by=world.east_rep
    )
    with pytest.raises(RuleViolation):
        services.withdraw_report(report, by=world.east_mgr)
    report = services.withdraw_report(report, by=world.east_rep)
    assert report.status == InitiationStatus.DRAFT
    report.approval.refresh_from_db()
    assert report.approval.status == ApprovalStatus.WITHDRAWN
    assert approval_selectors.awaiting_count(world.east_mgr) == 0


def test_state_for_the_panel_is_one_query(world, deal, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.state(deal) == "not started"
    services.save_report(deal, by=world.east_rep, version=0)
    assert selectors.state(deal) == "draft"
