"""Bid or no bid, the bid price through the bid-price approval, and the outcome that moves or
closes the deal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import RuleViolation
from kam.core.limits import NOTE_MAX
from kam.opportunities.models import CloseReason, Competitor, Opportunity, OpportunityStatus, Stage
from kam.opportunities.services import close_opportunity, move_stage
from kam.org.models import User
from kam.planning.approvals import services as approvals
from kam.planning.bids.models import (
    Bid,
    BidDecision,
    BidOutcome,
    PriceApproval,
)
from kam.planning.bids.selectors import BID_PRICE_FLOW, margin_check, pending_price_request, price_approved
from kam.planning.bids.services.common import (
    NO_BID_REASON,
    add_history,
    bump,
    check_editable,
    shown,
)

# Decisions ---------------------------------------------------------------------------------------


def decide_bid(bid: Bid, *, by: User, version: int | None) -> Bid:
    """We bid. Below the company's minimum margin only at a price the bid-price approval approved."""
    check_editable(bid)
    if bid.decision == BidDecision.BID:
        raise RuleViolation(_("We already decided to bid."))
    check = margin_check(bid)
    if check.margin is None:
        raise RuleViolation(
            _("Enter the bid price before deciding to bid."), {"price": [_("The bid price is required.")]}
        )
    if check.below_minimum and not price_approved(bid):
        raise RuleViolation(
            _(
                "The margin %(margin)s %% is below the minimum of %(minimum)s %%: "
                "bidding at this price needs the bid-price approval."
            )
            % {"margin": check.margin, "minimum": check.minimum}
        )
    now = timezone.now()
    with transaction.atomic():
        bump(bid, version, decision=BidDecision.BID, decided_at=now, decided_by=by)
        add_history(
            bid,
            "decided",
            by,
            _("Decided to bid at a margin of %(margin)s %%") % {"margin": check.margin},
            {"decision": BidDecision.BID, "price": shown(bid.price), "margin": shown(check.margin)},
        )
    return bid


def decide_no_bid(bid: Bid, *, by: User, version: int | None, fatal_factors: str) -> Bid:
    """We do not bid: the fatal factors are written down and the deal closes as dropped (reason
    "decided not to bid"). On a deal already dropped it only records the decision."""
    fatal_factors = (fatal_factors or "").strip()
    if not fatal_factors:
        raise ValidationError({"fatal_factors": [_("Write down the fatal factors that rule the bid out.")]})
    if len(fatal_factors) > NOTE_MAX:
        raise ValidationError({"fatal_factors": [_("At most %(count)d characters.") % {"count": NOTE_MAX}]})
    opportunity = bid.opportunity
    if opportunity.status == OpportunityStatus.DROPPED:
        if bid.decision or bid.outcome:
            raise RuleViolation(_("The bid's decision is already recorded."))
    else:
        check_editable(bid)
    reason = CloseReason.objects.filter(
        outcome=OpportunityStatus.DROPPED, code=NO_BID_REASON, is_active=True
    ).first()
    now = timezone.now()
    with transaction.atomic():
        bump(
            bid,
            version,
            decision=BidDecision.NO_BID,
            decided_at=now,
            decided_by=by,
            fatal_factors=fatal_factors,
        )
        if opportunity.status == OpportunityStatus.OPEN:
            close_opportunity(
                opportunity,
                by=by,
                status=OpportunityStatus.DROPPED,
                reason=fatal_factors,
                reason_choice=reason,
                closed_at=now,
            )
        add_history(
            bid,
            "decided",
            by,
            _("Decided not to bid"),
            {"decision": BidDecision.NO_BID, "fatal_factors": fatal_factors},
        )
    return bid


# The bid price's approval ------------------------------------------------------------------------


def submit_price(bid: Bid, *, by: User, version: int | None) -> Any:
    """Send the bid price through the bid-price approval flow."""
    check_editable(bid)
    if bid.price is None:
        raise RuleViolation(
            _("Enter the bid price before sending it for approval."),
            {"price": [_("The bid price is required.")]},
        )
    if pending_price_request(bid) is not None:
        raise RuleViolation(_("The price is already awaiting approval."))
    if price_approved(bid):
        raise RuleViolation(_("This price is already approved."))
    check = margin_check(bid)
    with transaction.atomic():
        bump(bid, version, submitted_price=bid.price, price_approval=PriceApproval.PENDING)
        request = approvals.submit(
            bid,
            flow_code=BID_PRICE_FLOW,
            by=by,
            title=_("Bid price for %(name)s: %(price)s (margin %(margin)s %%)")
            % {"name": bid.opportunity.name, "price": f"{bid.price:,}", "margin": check.margin},
        )
        add_history(bid, "price:submitted", by, _("Bid price sent for approval"), {"price": shown(bid.price)})
    return request


def on_price_decided(request: Any) -> None:
    """The approvals engine's outcome handler (inside the deciding transaction): the approved price
    becomes the bid's; a rejection sends the price back to the rep."""
    bid = Bid.objects.select_related("opportunity").get(pk=request.target_id)
    if bid.price_approval != PriceApproval.PENDING:
        return
    approved = request.status == "approved"
    fields: dict[str, Any] = {
        "price_approval": PriceApproval.APPROVED if approved else PriceApproval.REJECTED
    }
    if approved:
        fields.update(approved_price=bid.submitted_price, price_approved_at=timezone.now())
    bump(bid, None, **fields)
    by = getattr(request, "decided_by", None)
    if approved:
        add_history(
            bid,
            "price:approved",
            by,
            _("Bid price approved: %(price)s") % {"price": f"{bid.submitted_price:,}"},
            {"approved_price": shown(bid.submitted_price)},
        )
    else:
        add_history(bid, "price:rejected", by, _("Bid price rejected"), {"price": shown(bid.submitted_price)})


# The outcome -------------------------------------------------------------------------------------


def next_stage(opportunity: Opportunity) -> Stage | None:
    """The stage a won bid moves the deal to: the next one of its process (negotiation after the
    bid), never a lost stage."""
    return (
        Stage.objects.filter(
            process_id=opportunity.stage.process_id, order__gt=opportunity.stage.order, is_lost=False
        )
        .order_by("order")
        .first()
    )


def record_outcome(
    bid: Bid,
    *,
    by: User,
    version: int | None,
    outcome: str,
    reason: str = "",
    reason_choice: CloseReason | None = None,
    lost_to: Competitor | None = None,
) -> Bid:
    """Won: the deal moves to its next stage (the bid is its key node). Lost: the deal closes as lost,
    with the reasons and the competitor it went to."""
    check_editable(bid)
    if bid.decision != BidDecision.BID:
        raise RuleViolation(_("Record the outcome of a bid we decided to make."))
    if outcome not in (BidOutcome.WON, BidOutcome.LOST):
        raise ValidationError({"outcome": [_("Choose won or lost.")]})
    reason = (reason or "").strip()
    opportunity = bid.opportunity
    now = timezone.now()
    with transaction.atomic():
        bump(bid, version, outcome=outcome, outcome_at=now)
        if outcome == BidOutcome.WON:
            stage = next_stage(opportunity)
            if stage is None:
                raise RuleViolation(_("The opportunity is in its last stage: there is no stage to move to."))
            move_stage(
                opportunity,
                stage,
                by=by,
                note=_("Bid won") + (f": {reason}" if reason else ""),
                key_node_confirmed=True,
                achieved=_("Bid won"),
            )
            summary = _("Bid won: the opportunity moves to %(stage)s") % {"stage": stage}
        else:
            close_opportunity(
                opportunity,
                by=by,
                status=OpportunityStatus.LOST,
                reason=reason,
                reason_choice=reason_choice,
                lost_to=lost_to,
                closed_at=now,
            )
            summary = _("Bid lost")
        add_history(
            bid,
            "outcome",
            by,
            summary,
            {"outcome": outcome, "reason": reason or shown(reason_choice), "lost_to": shown(lost_to)},
        )
    return bid
