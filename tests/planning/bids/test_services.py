"""Bid rules: margin against the company's minimum, bid / no-bid, the price's approval, the outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.opportunities.models import CloseReason, Competitor, StageChange
from kam.planning.approvals import selectors as approval_selectors
from kam.planning.approvals import services as approvals
from kam.planning.bids import selectors, services
from kam.planning.bids.models import (
    BidChange,
    BidCriterion,
    BidDecision,
    BidPolicy,
    BidTemplateItem,
    ComplianceItem,
    ItemStatus,
    PriceApproval,
)
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(world):
    return make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Bid deal"
    )


def _bid(deal, by, *, price: str | None = "100000", cost: str = "80000"):
    bid = services.start_bid(
        deal, by=by, tender_reference="ZB-2027-001", tender_deadline=dt.date(2027, 1, 15)
    )
    if cost:
        services.add_item(
            bid,
            "cost-lines",
            by=by,
            version=None,
            kind="equipment",
            description="Furnace",
            amount=Decimal(cost),
        )
    if price:
        services.update_bid(bid, by=by, version=None, price=Decimal(price))
    return bid


@pytest.mark.parametrize(
    ("cost", "status", "margin"),
    [("86000", "below", "14.00"), ("85000", "at", "15.00"), ("80000", "above", "20.00")],
)
def test_margin_is_measured_against_the_minimum(world, deal, cost, status, margin):
    bid = _bid(deal, world.east_rep, cost=cost)
    check = selectors.margin_check(bid)
    assert check.minimum == Decimal("15.00")
    assert check.margin == Decimal(margin)
    assert check.status == status


def test_the_minimum_margin_is_the_policy_row(world, deal):
    BidPolicy.objects.update(minimum_margin=Decimal("25"))
    bid = _bid(deal, world.east_rep, cost="80000")
    assert selectors.margin_check(bid).status == "below"


def test_no_price_means_no_margin(world, deal):
    bid = _bid(deal, world.east_rep, price=None)
    assert selectors.margin_check(bid).status == "unknown"
    with pytest.raises(RuleViolation):
        services.decide_bid(bid, by=world.east_rep, version=bid.version)


def test_a_bid_at_or_above_the_minimum_may_be_decided_without_approval(world, deal):
    bid = _bid(deal, world.east_rep, cost="85000")
    services.decide_bid(bid, by=world.east_rep, version=bid.version)
    bid.refresh_from_db()
    assert bid.decision == BidDecision.BID
    assert bid.decided_by == world.east_rep


def test_below_the_minimum_bidding_needs_the_approved_price(world, deal):
    bid = _bid(deal, world.east_rep, cost="90000")
    with pytest.raises(RuleViolation, match="below the minimum"):
        services.decide_bid(bid, by=world.east_rep, version=bid.version)
    bid.refresh_from_db()
    assert bid.decision == ""


def test_starting_copies_the_templates_questions_and_compliance_items(world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    templates = BidTemplateItem.objects.filter(is_active=True)
    assert BidCriterion.objects.filter(bid=bid).count() == templates.filter(kind="criterion").count() > 0
    assert ComplianceItem.objects.filter(bid=bid).count() == templates.exclude(kind="criterion").count() > 0
    assert set(ComplianceItem.objects.filter(bid=bid).values_list("section", flat=True)) == {
        "qualification",
        "commercial",
        "technical",
        "price",
    }
    with pytest.raises(RuleViolation):
        services.start_bid(deal, by=world.east_rep)


def test_no_bid_closes_the_deal_as_dropped_with_the_fatal_factors(world, deal):
    bid = _bid(deal, world.east_rep, cost="95000")
    services.decide_no_bid(
        bid, by=world.east_rep, version=bid.version, fatal_factors="Qualification needs a licence we lack."
    )
    deal.refresh_from_db()
    bid.refresh_from_db()
    assert deal.status == "dropped"
    assert deal.close_reason_choice == CloseReason.objects.get(outcome="dropped", code="no-bid")
    assert deal.close_reason == "Qualification needs a licence we lack."
    assert bid.decision == BidDecision.NO_BID
    assert bid.fatal_factors == "Qualification needs a licence we lack."
    assert BidChange.objects.filter(bid=bid, action="decided").exists()
    with pytest.raises(RuleViolation):
        services.add_item(
            bid, "cost-lines", by=world.east_rep, version=bid.version, kind="other", description="x", amount=1
        )


def test_no_bid_needs_the_fatal_factors(world, deal):
    bid = _bid(deal, world.east_rep)
    with pytest.raises(ValidationError) as error:
        services.decide_no_bid(bid, by=world.east_rep, version=bid.version, fatal_factors="  ")
    assert "fatal_factors" in error.value.message_dict
    deal.refresh_from_db()
    assert deal.status == "open"


def test_compliance_completeness_counts_done_items_out_of_the_applicable_ones(world, deal):
    bid = services.start_bid(deal, by=world.east_rep)
    items = list(ComplianceItem.objects.filter(bid=bid))
    for item in items[:3]:
        services.update_item(
            bid, "compliance-items", item, by=world.east_rep, version=None, status=ItemStatus.DONE
        )
    services.update_item(
        bid, "compliance-items", items[3], by=world.east_rep, version=None, status=ItemStatus.NOT_APPLICABLE
    )
    view = selectors.view(selectors.bid_for(deal))
    assert (view.completeness.done, view.completeness.applicable) == (3, len(items) - 1)
    assert not view.completeness.complete
    assert f"3/{len(items) - 1}" in selectors.state(deal, world.east_rep)


def test_a_stale_version_is_a_conflict_and_writes_nothing(world, deal):
    bid = _bid(deal, world.east_rep)
    stale = bid.version - 1
    with pytest.raises(ConflictError):
        services.add_item(
            bid,
            "checkpoints",
            by=world.east_rep,
            version=stale,
            due=dt.date(2027, 1, 10),
            what="Bid bond paid",
        )
    assert not bid.checkpoints.exists()


def test_line_validation_reports_each_field(world, deal):
    bid = _bid(deal, world.east_rep)
    with pytest.raises(ValidationError) as error:
        services.add_item(
            bid,
            "cost-lines",
            by=world.east_rep,
            version=None,
            kind="gold",
            description="",
            amount=Decimal("-1"),
        )
    assert {"kind", "description", "amount"} <= set(error.value.message_dict)


def test_won_moves_the_deal_to_the_next_stage(world, deal):
    bid = _bid(deal, world.east_rep, cost="50000")
    services.decide_bid(bid, by=world.east_rep, version=None)
    services.record_outcome(bid, by=world.east_rep, version=None, outcome="won")
    deal.refresh_from_db()
    assert deal.stage.code == "P5"
    assert deal.status == "open"
    move = StageChange.objects.filter(opportunity=deal).latest("changed_at")
    assert move.to_stage.code == "P5" and "Bid won" in move.note


def test_lost_closes_the_deal_with_the_reason_and_competitor(world, deal):
    rival = Competitor.objects.create(name="Rival Co")
    bid = _bid(deal, world.east_rep, cost="50000")
    services.decide_bid(bid, by=world.east_rep, version=None)
    reason = CloseReason.objects.get(outcome="lost", code="price")
    services.record_outcome(
        bid,
        by=world.east_rep,
        version=None,
        outcome="lost",
        reason_choice=reason,
        lost_to=rival,
        reason="Cheaper by 8 %",
    )
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason_choice, deal.lost_to) == ("lost", reason, rival)
    assert deal.close_reason == "Cheaper by 8 %"


def test_an_outcome_needs_a_decision_to_bid(world, deal):
    bid = _bid(deal, world.east_rep)
    with pytest.raises(RuleViolation):
        services.record_outcome(bid, by=world.east_rep, version=None, outcome="won")


def test_the_approved_price_lets_a_low_margin_bid_go_ahead(world, deal):
    bid = _bid(deal, world.east_rep, cost="90000")
    request = services.submit_price(bid, by=world.east_rep, version=None)
    bid.refresh_from_db()
    assert bid.price_approval == PriceApproval.PENDING
    with pytest.raises(ValidationError):
        services.update_bid(bid, by=world.east_rep, version=None, price=Decimal("120000"))
    approvals.decide(request, by=world.east_mgr, approve=True)
    approvals.decide(request, by=world.director, approve=True)
    bid.refresh_from_db()
    assert bid.price_approval == PriceApproval.APPROVED
    assert bid.approved_price == Decimal("100000")
    assert BidChange.objects.filter(bid=bid, action="price:approved").exists()
    services.decide_bid(bid, by=world.east_rep, version=bid.version)
    bid.refresh_from_db()
    assert bid.decision == BidDecision.BID


def test_a_rejected_price_stays_unapproved(world, deal):
    bid = _bid(deal, world.east_rep, cost="90000")
    request = services.submit_price(bid, by=world.east_rep, version=None)
    approvals.decide(
        request, by=world.east_mgr, approve=False, comment="Too low; renegotiate the partner's cost."
    )
    bid.refresh_from_db()
    assert bid.price_approval == PriceApproval.REJECTED
    assert bid.approved_price is None
    with pytest.raises(RuleViolation):
        services.decide_bid(bid, by=world.east_rep, version=bid.version)
    # A new price after the rejection goes through approval again.
    services.update_bid(bid, by=world.east_rep, version=bid.version, price=Decimal("104000"))
    services.submit_price(bid, by=world.east_rep, version=bid.version)
    bid.refresh_from_db()
    assert bid.price_approval == PriceApproval.PENDING


def test_a_new_price_after_approval_needs_approval_again(world, deal):
    bid = _bid(deal, world.east_rep, cost="90000")
    request = services.submit_price(bid, by=world.east_rep, version=None)
    approvals.decide(request, by=world.east_mgr, approve=True)
    approvals.decide(request, by=world.director, approve=True)
    bid.refresh_from_db()
    services.update_bid(bid, by=world.east_rep, version=bid.version, price=Decimal("99000"))
    assert not selectors.price_approved(bid)
    with pytest.raises(RuleViolation):
        services.decide_bid(bid, by=world.east_rep, version=bid.version)


def test_the_panel_state_reads_in_one_query(world, deal, django_assert_num_queries):
    bid = _bid(deal, world.east_rep, cost="82000")
    services.update_item(
        bid, "compliance-items", bid.compliance_items.first(), by=world.east_rep, version=None, status="done"
    )
    with django_assert_num_queries(1):
        line = selectors.state(deal, world.east_rep)
    assert "margin 18 %" in line
    assert "1/" in line
    other = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Other"
    )
    assert selectors.state(other, world.east_rep) == "not started"


def test_the_price_request_links_back_to_the_bid_page(world, deal):
    bid = _bid(deal, world.east_rep, cost="90000")
    request = services.submit_price(bid, by=world.east_rep, version=None)
    assert approval_selectors.target_url(request) == f"/planning/opportunity/{deal.pk}/bids/"
    assert request.subject_owner == world.east_rep
    assert approval_selectors.awaiting(world.east_mgr).filter(pk=request.pk).exists()
