from __future__ import annotations

import pytest

from kam.core.errors import ConflictError, RuleViolation
from kam.org.models import Role
from kam.planning.approvals import selectors, services
from kam.planning.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_seeded_initiation_flow_goes_to_the_owners_manager_then_a_director(world):
    request = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    assert request.status == ApprovalStatus.PENDING
    assert request.title == str(world.east_opp)
    assert request.subject_owner == world.east_rep
    assert list(selectors.awaiting(world.east_mgr)) == [request]
    assert list(selectors.awaiting(world.director)) == []

    services.decide(request, by=world.east_mgr, approve=True)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert request.current_step.order == 2
    assert list(selectors.awaiting(world.east_mgr)) == []
    assert list(selectors.awaiting(world.director)) == [request]

    services.decide(request, by=world.director, approve=True, comment="Go")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert request.current_step is None
    assert request.decided_at is not None
    assert list(request.decisions.values_list("approver__username", "approve")) == [
        ("east_mgr", True),
        ("director", True),
    ]


def test_any_one_step_advances_on_the_first_approval(world, flow_factory):
    flow_factory("any", [{"approver_kind": "role", "role": Role.MANAGER, "mode": "any"}])
    request = services.submit(world.east_opp, flow_code="any", by=world.east_rep)
    assert selectors.awaiting_count(world.west_mgr) == 1

    services.decide(request, by=world.west_mgr, approve=True)

    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    # The other approver of the step has nothing left to decide.
    assert selectors.awaiting_count(world.east_mgr) == 0
    with pytest.raises(RuleViolation):
        services.decide(request, by=world.east_mgr, approve=True)


def test_all_step_waits_for_every_approver(world, flow_factory):
    flow_factory(
        "all", [{"approver_kind": "people", "people": [world.east_mgr, world.west_mgr], "mode": "all"}]
    )
    request = services.submit(world.east_opp, flow_code="all", by=world.east_rep)

    services.decide(request, by=world.east_mgr, approve=True)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert selectors.awaiting_count(world.east_mgr) == 0
    assert selectors.awaiting_count(world.west_mgr) == 1

    services.decide(request, by=world.west_mgr, approve=True)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED


def test_a_rejection_needs_a_comment_and_ends_the_request(world):
    request = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    with pytest.raises(RuleViolation) as refused:
        services.decide(request, by=world.east_mgr, approve=False, comment="  ")
    assert "comment" in refused.value.errors
    assert not ApprovalDecision.objects.exists()

    services.decide(request, by=world.east_mgr, approve=False, comment="Budget unclear")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REJECTED
    assert request.decisions.get().comment == "Budget unclear"
    # Rejected at the first step: the director never sees it.
    assert selectors.awaiting_count(world.director) == 0


def test_resubmit_after_rejection_is_a_new_request_and_the_old_one_stays(world):
    first = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)
    with pytest.raises(RuleViolation):
        services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)
    services.decide(first, by=world.east_mgr, approve=False, comment="Budget unclear")

    second = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    assert second.pk != first.pk
    assert selectors.latest_for(world.east_opp) == second
    assert list(selectors.requests_for(world.east_opp)) == [second, first]
    first.refresh_from_db()
    assert first.status == ApprovalStatus.REJECTED
    assert selectors.awaiting_count(world.east_mgr) == 1


def test_only_an_approver_of_the_current_step_may_decide(world):
    request = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    for outsider in (world.west_mgr, world.east_rep, world.director):
        with pytest.raises(RuleViolation):
            services.decide(request, by=outsider, approve=True)
    assert not ApprovalDecision.objects.exists()
    request.refresh_from_db()
    assert request.current_step.order == 1


def test_manager_chain_walks_up_the_teams_past_missing_managers(db):
    top_mgr = UserFactory(role=Role.DIRECTOR)
    top = TeamFactory(name="Top", manager=top_mgr)
    gap = TeamFactory(name="Gap", parent=top)  # no manager: passed over
    region_mgr = UserFactory(role=Role.MANAGER)
    region = TeamFactory(name="Region", parent=gap, manager=region_mgr)
    branch_mgr = UserFactory(role=Role.MANAGER)
    branch = TeamFactory(name="Branch", parent=region, manager=branch_mgr)
    rep = UserFactory(team=branch)
    branch_mgr.team = branch
    branch_mgr.save()

    assert services.manager_chain(rep, 1) == [branch_mgr]
    assert services.manager_chain(rep, 3) == [branch_mgr, region_mgr, top_mgr]
    assert services.manager_chain(rep, 9) == [branch_mgr, region_mgr, top_mgr]
    # A manager's own manager is the next one up, not themself.
    assert services.manager_chain(branch_mgr, 1) == [region_mgr]


def test_a_step_with_nobody_to_approve_is_refused_at_submit(world, flow_factory):
    world.east.manager = None
    world.east.save()

    with pytest.raises(RuleViolation) as refused:
        services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)

    assert "Sales manager" in str(refused.value)
    assert not ApprovalRequest.objects.exists()


def test_nobody_approves_their_own_request(world, flow_factory):
    flow_factory("self", [{"approver_kind": "people", "people": [world.east_rep]}])
    with pytest.raises(RuleViolation):
        services.submit(world.east_opp, flow_code="self", by=world.east_rep)


def test_a_decision_on_a_stale_version_is_a_conflict(world, flow_factory):
    flow_factory("any", [{"approver_kind": "role", "role": Role.MANAGER, "mode": "any"}])
    request = services.submit(world.east_opp, flow_code="any", by=world.east_rep)
    seen_by_west = ApprovalRequest.objects.get(pk=request.pk)

    services.decide(request, by=world.east_mgr, approve=True, version=1)

    with pytest.raises(ConflictError):
        services.decide(seen_by_west, by=world.west_mgr, approve=False, comment="No", version=1)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert request.decisions.count() == 1


def test_outcome_handler_runs_when_a_request_ends(world):
    seen: list[tuple[int, str]] = []

    def on_decided(request: ApprovalRequest) -> None:
        seen.append((request.target_id, request.status))

    services.register_outcome_handler("opportunities.Opportunity", on_decided)
    try:
        request = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)
        services.decide(request, by=world.east_mgr, approve=True)
        assert seen == []
        services.decide(request, by=world.director, approve=True)
        assert seen == [(world.east_opp.pk, ApprovalStatus.APPROVED)]
    finally:
        services._outcome_handlers["opportunities.opportunity"].remove(on_decided)


def test_withdraw_by_the_submitter(world):
    request = services.submit(world.east_opp, flow_code="initiation", by=world.east_rep)
    with pytest.raises(RuleViolation):
        services.withdraw(request, by=world.east_mgr)
    services.withdraw(request, by=world.east_rep)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.WITHDRAWN
    assert selectors.awaiting_count(world.east_mgr) == 0
