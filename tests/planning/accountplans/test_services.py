"""Account plan writes: create with prefill, the one-per-year rule, versioned edits, the approval
flow to active (or back to draft), close, the team, shares and the five-year forecast, revisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kam.core.errors import ConflictError, RuleViolation
from kam.planning.accountplans import cadence, services
from kam.planning.accountplans.models import (
    MemberRole,
    PlanChangeAction,
    PlanStatus,
)
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalStatus
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

READY = {
    "executive_summary": "Grow with the new plant",
    "customer_objectives": "Win the furnace line",
    "revenue_target": Decimal("5000000"),
}


def make_plan(world, **sections):
    customer = world.east_customer
    return services.create_plan(customer=customer, year=2027, by=world.east_rep, **sections)


def test_create_prefills_owner_team_demand_and_forecast_years(world):
    world.east_customer.category_purchases = Decimal("12000000")
    world.east_customer.save()
    plan = make_plan(world, executive_summary="  Grow  ")

    assert plan.status == PlanStatus.DRAFT
    assert plan.owner == world.east_rep
    assert plan.executive_summary == "Grow"
    assert plan.total_demand == Decimal("12000000")
    assert [(m.user, m.role) for m in plan.members.all()] == [(world.east_rep, MemberRole.LEAD)]
    assert [f.year for f in plan.forecast_years.all()] == [2027, 2028, 2029, 2030, 2031]
    assert [c.action for c in plan.changes.all()] == [PlanChangeAction.CREATED]
    assert plan.revisions.count() == 1


def test_a_second_plan_for_the_same_customer_and_year_is_refused(world):
    make_plan(world)
    with pytest.raises(ValidationError) as refused:
        make_plan(world)
    assert "already has an account plan for 2027" in refused.value.message_dict["year"][0]
    # Another year is another plan.
    assert services.create_plan(customer=world.east_customer, year=2028, by=world.east_rep).year == 2028


def test_create_refuses_a_year_out_of_range_and_negative_amounts(world):
    with pytest.raises(ValidationError) as refused:
        services.create_plan(customer=world.east_customer, year=1999, by=world.east_rep)
    assert "year" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.create_plan(
            customer=world.east_customer, year=2027, by=world.east_rep, target_share=Decimal("120")
        )
    assert "target_share" in refused.value.message_dict


def test_edits_are_versioned_kept_in_history_and_revisions(world):
    plan = make_plan(world)
    services.update_plan(plan, by=world.east_rep, version=plan.version, business_risks="A new rival")
    assert plan.version == 2
    with pytest.raises(ConflictError):
        services.update_plan(plan, by=world.east_rep2, version=1, business_risks="Stale")

    plan.refresh_from_db()
    assert plan.business_risks == "A new rival"
    edit = plan.changes.get(action=PlanChangeAction.EDITED)
    assert edit.changes == {"business_risks": ["", "A new rival"]}
    latest = plan.revisions.first()
    assert latest.number == 2
    assert latest.snapshot["sections"]["business_risks"] == "A new rival"


def test_a_new_owner_joins_the_team_as_lead(world):
    plan = make_plan(world)
    services.update_plan(plan, by=world.east_rep, version=plan.version, owner=world.east_rep2)
    assert plan.members.get(user=world.east_rep2).role == MemberRole.LEAD


def approve(plan, world):
    plan.refresh_from_db()
    request = plan.approval
    approvals.decide(request, by=world.east_mgr, approve=True)
    approvals.decide(request, by=world.director, approve=True)
    plan.refresh_from_db()
    return plan


def test_submit_needs_the_required_sections(world):
    plan = make_plan(world)
    with pytest.raises(ValidationError) as refused:
        services.submit_plan(plan, by=world.east_rep)
    assert set(refused.value.message_dict) == set(services.REQUIRED_TO_SUBMIT)


@pytest.mark.parametrize(("segment", "months"), [("key", 3), ("important", 12)])
def test_approved_by_manager_then_director_the_plan_is_active_with_its_first_review_due(
    world, segment, months
):
    world.east_customer.segment = segment
    world.east_customer.save()
    plan = make_plan(world, **READY)
    services.submit_plan(plan, by=world.east_rep)
    assert plan.status == PlanStatus.SUBMITTED
    with pytest.raises(RuleViolation):
        services.update_plan(plan, by=world.east_rep, version=plan.version, resources="x")

    plan = approve(plan, world)
    today = timezone.localdate()
    assert plan.status == PlanStatus.ACTIVE
    assert plan.activated_at is not None
    assert plan.next_review_due == cadence.add_months(today, months)
    assert plan.approval.status == ApprovalStatus.APPROVED
    reasons = list(plan.revisions.values_list("reason", flat=True))
    assert reasons[:2] == ["approved", "submitted"]
    # An active plan's sections are read-only.
    with pytest.raises(RuleViolation):
        services.update_plan(plan, by=world.east_rep, version=plan.version, resources="x")


def test_a_general_account_is_reviewed_in_the_collective_month(world):
    world.east_customer.segment = "general"
    world.east_customer.save()
    plan = make_plan(world, **READY)
    services.submit_plan(plan, by=world.east_rep)
    plan = approve(plan, world)
    today = timezone.localdate()
    expected = dt.date(today.year, 12, 1)
    assert plan.next_review_due == (expected if expected > today else dt.date(today.year + 1, 12, 1))


def test_a_rejection_returns_the_plan_to_draft_with_the_comment(world):
    plan = make_plan(world, **READY)
    services.submit_plan(plan, by=world.east_rep)
    plan.refresh_from_db()
    approvals.decide(plan.approval, by=world.east_mgr, approve=False, comment="Too vague on the risks")
    plan.refresh_from_db()

    assert plan.status == PlanStatus.DRAFT
    assert plan.rejection_comment == "Too vague on the risks"
    rejected = plan.changes.get(action=PlanChangeAction.REJECTED)
    assert rejected.changed_by == world.east_mgr
    assert rejected.changes == {"comment": "Too vague on the risks"}
    # Editable again, and a new submission clears the comment.
    services.update_plan(plan, by=world.east_rep, version=plan.version, business_risks="Named")
    services.submit_plan(plan, by=world.east_rep)
    assert plan.rejection_comment == ""


def test_the_submitter_withdraws_a_submitted_plan(world):
    plan = make_plan(world, **READY)
    services.submit_plan(plan, by=world.east_rep)
    with pytest.raises(RuleViolation):
        services.withdraw_plan(plan, by=world.east_rep2)
    services.withdraw_plan(plan, by=world.east_rep)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert plan.approval.status == ApprovalStatus.WITHDRAWN


def test_only_an_active_plan_closes(world):
    plan = make_plan(world, **READY)
    with pytest.raises(RuleViolation):
        services.close_plan(plan, by=world.east_rep)
    services.submit_plan(plan, by=world.east_rep)
    plan = approve(plan, world)
    services.close_plan(plan, by=world.east_rep)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert plan.closed_at is not None


def test_team_members_join_change_and_leave_but_the_owner_stays(world):
    plan = make_plan(world)
    colleague = UserFactory(username="delivery_lead")
    member = services.add_member(
        plan, by=world.east_rep, version=plan.version, user=colleague, role=MemberRole.DELIVERY
    )
    with pytest.raises(ValidationError):
        services.add_member(plan, by=world.east_rep, version=plan.version, user=colleague)
    with pytest.raises(ConflictError):
        services.update_member(member, by=world.east_rep, version=1, time_share=Decimal("20"))
    services.update_member(member, by=world.east_rep, version=plan.version, time_share=Decimal("20"))
    member.refresh_from_db()
    assert member.time_share == Decimal("20")
    owner_member = plan.members.get(user=world.east_rep)
    with pytest.raises(RuleViolation):
        services.remove_member(owner_member, by=world.east_rep, version=plan.version)
    services.remove_member(member, by=world.east_rep, version=plan.version)
    assert list(plan.members.values_list("user", flat=True)) == [world.east_rep.pk]


def test_shares_with_the_computed_share_and_one_row_per_line_and_region(world):
    plan = make_plan(world)
    share = services.add_share(
        plan,
        by=world.east_rep,
        version=plan.version,
        product_line="Furnaces",
        region="East",
        customer_demand=Decimal("800"),
        our_revenue=Decimal("200"),
    )
    assert share.share == Decimal("25.0")
    with pytest.raises(ValidationError):
        services.add_share(
            plan, by=world.east_rep, version=plan.version, product_line="Furnaces", region="East"
        )
    services.update_share(share, by=world.east_rep, version=plan.version, our_revenue=Decimal("400"))
    share.refresh_from_db()
    assert share.share == Decimal("50.0")
    services.remove_share(share, by=world.east_rep, version=plan.version)
    assert not plan.shares.exists()


def test_the_forecast_rows_are_edited_for_the_plans_years_only(world):
    plan = make_plan(world)
    services.update_forecast(
        plan, by=world.east_rep, version=plan.version, rows={2028: {"revenue": Decimal("7000000")}}
    )
    assert plan.forecast_years.get(year=2028).revenue == Decimal("7000000")
    with pytest.raises(ValidationError):
        services.update_forecast(plan, by=world.east_rep, version=plan.version, rows={2040: {"revenue": 1}})
    with pytest.raises(ConflictError):
        services.update_forecast(plan, by=world.east_rep, version=1, rows={2028: {"revenue": 1}})
    assert plan.revisions.first().snapshot["forecast"][1]["revenue"] == "7000000.00"


def test_record_change_and_snapshot_for_the_other_parts(world):
    plan = make_plan(world)
    change = services.record_change(
        plan, by=world.east_rep, action=PlanChangeAction.OGSM, summary="Goal added"
    )
    revision = services.snapshot(plan, by=world.east_rep, reason="ogsm")
    assert change.plan == plan and change.action == "ogsm"
    assert revision.number == 2
    other = CustomerFactory(owner=world.east_rep)
    assert services.create_plan(customer=other, year=2027, by=world.east_rep).revisions.get().number == 1


def test_the_team_changes_while_active_but_not_once_closed(world):
    plan = make_plan(world, **READY)
    services.submit_plan(plan, by=world.east_rep)
    with pytest.raises(RuleViolation):
        services.add_member(plan, by=world.east_rep, version=plan.version, user=world.east_rep2)
    plan = approve(plan, world)
    services.add_member(plan, by=world.east_rep, version=plan.version, user=world.east_rep2)
    with pytest.raises(RuleViolation):
        services.add_share(plan, by=world.east_rep, version=plan.version, product_line="Furnaces")
    services.close_plan(plan, by=world.east_rep)
    member = plan.members.get(user=world.east_rep2)
    with pytest.raises(RuleViolation):
        services.remove_member(member, by=world.east_rep, version=plan.version)
