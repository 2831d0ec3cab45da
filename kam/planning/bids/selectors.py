"""Reads of a bid: the whole bid for its page and the API in a fixed number of queries, its margin
against the company's minimum, the compliance checklist's completeness, the price's approval, the
history, and the one-line state the deal's strategy panel shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for
from kam.core.money import MONEY_DIGITS
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.approvals.models import ApprovalRequest
from kam.planning.approvals.selectors import latest_for
from kam.planning.bids import margin
from kam.planning.bids.margin import MarginCheck
from kam.planning.bids.models import (
    Bid,
    BidChange,
    BidCostLine,
    BidDecision,
    BidPolicy,
    BidRole,
    ComplianceItem,
    ComplianceSection,
    ItemStatus,
    PriceApproval,
    RoleKind,
)
from kam.planning.initiation.models import InitiationReport

BID_PRICE_FLOW = "bid-price"
HISTORY_LIMIT = 100


def total_cost(bid: Bid) -> Decimal:
    return BidCostLine.objects.filter(bid=bid).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def margin_check(bid: Bid, *, cost: Decimal | None = None, minimum: Decimal | None = None) -> MarginCheck:
    return margin.check(
        bid.price,
        total_cost(bid) if cost is None else cost,
        BidPolicy.current().minimum_margin if minimum is None else minimum,
    )


def price_approved(bid: Bid) -> bool:
    """The bid's current price is the one the bid-price approval approved."""
    return (
        bid.price_approval == PriceApproval.APPROVED
        and bid.approved_price is not None
        and bid.approved_price == bid.price
    )


def pending_price_request(bid: Bid) -> ApprovalRequest | None:
    """The bid-price request still waiting for its approvers (a withdrawn one no longer is)."""
    latest = latest_for(bid, flow_code=BID_PRICE_FLOW)
    return latest if latest is not None and latest.is_pending else None


def initiation_for(opportunity: Opportunity) -> InitiationReport | None:
    """The initiation report the bid re-evaluates against the tender, if the deal has one."""
    return InitiationReport.objects.filter(opportunity=opportunity).first()


def bids_with_parts() -> QuerySet[Bid]:
    return Bid.objects.select_related(
        "opportunity", "opportunity__stage", "opportunity__owner", "proposal_owner", "decided_by"
    ).prefetch_related(
        "presenters",
        "cost_lines",
        "checkpoints",
        "criteria",
        "compliance_items__owner",
        "questions__answered_by",
        "roles__user",
    )


def bid_for(opportunity: Opportunity) -> Bid | None:
    return bids_with_parts().filter(opportunity=opportunity).first()


@dataclass
class SectionProgress:
    section: str
    label: str
    items: list[ComplianceItem] = field(default_factory=list)

    @property
    def applicable(self) -> int:
        return sum(1 for i in self.items if i.status != ItemStatus.NOT_APPLICABLE)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.DONE)


@dataclass
class Completeness:
    done: int
    applicable: int

    @property
    def percent(self) -> int | None:
        return round(self.done * 100 / self.applicable) if self.applicable else None

    @property
    def complete(self) -> bool:
        return self.applicable > 0 and self.done == self.applicable


def completeness(items: list[ComplianceItem]) -> Completeness:
    """Done items out of the applicable ones (an item marked not applicable counts for neither)."""
    applicable = [i for i in items if i.status != ItemStatus.NOT_APPLICABLE]
    return Completeness(
        done=sum(1 for i in applicable if i.status == ItemStatus.DONE), applicable=len(applicable)
    )


@dataclass
class BidView:
    """A bid with what its page and its JSON show, read once."""

    bid: Bid
    margin: MarginCheck
    sections: list[SectionProgress]
    completeness: Completeness
    roles: list[tuple[str, str, BidRole | None]]
    approval: ApprovalRequest | None
    price_approved: bool
    checkpoints_done: int

    @property
    def price_approval_status(self) -> str:
        """Where the current price's approval stands; a request its submitter withdrew leaves the
        price unsubmitted (the engine tells the bid only of approvals and rejections)."""
        status = self.bid.price_approval
        if status == PriceApproval.PENDING and not (self.approval is not None and self.approval.is_pending):
            return PriceApproval.NONE
        return status

    @property
    def needs_approval(self) -> bool:
        """Below the minimum, "bid" waits for the approved price."""
        return self.margin.below_minimum and not self.price_approved


def view(bid: Bid) -> BidView:
    """`bid` from bids_with_parts(): two more queries (the policy and the latest approval)."""
    lines = list(bid.cost_lines.all())
    cost = sum((line.amount for line in lines), Decimal(0))
    items = list(bid.compliance_items.all())
    sections = [
        SectionProgress(section=value, label=str(label), items=[i for i in items if i.section == value])
        for value, label in ComplianceSection.choices
    ]
    held = {r.role: r for r in bid.roles.all()}
    return BidView(
        bid=bid,
        margin=margin_check(bid, cost=cost),
        sections=sections,
        completeness=completeness(items),
        roles=[(value, str(label), held.get(value)) for value, label in RoleKind.choices],
        approval=latest_for(bid, flow_code=BID_PRICE_FLOW),
        price_approved=price_approved(bid),
        checkpoints_done=sum(1 for c in bid.checkpoints.all() if c.done),
    )


def history(bid: Bid) -> list[BidChange]:
    return list(BidChange.objects.filter(bid_id=bid.pk).select_related("changed_by")[:HISTORY_LIMIT])


def _cost_total() -> Subquery:
    lines = BidCostLine.objects.filter(bid=OuterRef("pk")).order_by().values("bid")
    return Subquery(
        lines.annotate(total=Sum("amount")).values("total")[:1],
        output_field=DecimalField(max_digits=MONEY_DIGITS + 3, decimal_places=2),
    )


def _item_count(condition: Q) -> Subquery:
    items = ComplianceItem.objects.filter(condition, bid=OuterRef("pk")).order_by().values("bid")
    return Subquery(items.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())


def _with_figures(qs: QuerySet[Bid]) -> QuerySet[Bid]:
    """Each bid with its cost and compliance counts as columns: one statement for a whole list."""
    return qs.annotate(
        cost=Coalesce(_cost_total(), Value(Decimal(0)), output_field=DecimalField()),
        done=Coalesce(_item_count(Q(status=ItemStatus.DONE)), 0),
        applicable=Coalesce(_item_count(~Q(status=ItemStatus.NOT_APPLICABLE)), 0),
    )


def bids_for(user: User, *, decision: str | None = None, outcome: str | None = None) -> QuerySet[Bid]:
    """The bids on the deals the user may see, nearest tender deadline first, with their figures."""
    qs = Bid.objects.filter(opportunity__in=opportunities_for(user))
    if decision is not None:
        qs = qs.filter(decision=decision)
    if outcome is not None:
        qs = qs.filter(outcome=outcome)
    qs = qs.select_related("opportunity", "opportunity__customer", "opportunity__owner", "opportunity__stage")
    return _with_figures(qs).order_by(F("tender_deadline").asc(nulls_last=True), "-id")


def state(opportunity: Opportunity, user: User) -> str:
    """The strategy panel's line, in one query: the decision, the margin, the compliance items."""
    row = (
        _with_figures(Bid.objects.filter(opportunity=opportunity))
        # The plugin cannot see the annotations _with_figures adds.
        .values("decision", "outcome", "price", "cost", "done", "applicable")  # type: ignore[misc]
        .first()
    )
    if row is None:
        return _("not started")
    parts = [str(BidDecision(row["decision"]).label) if row["decision"] else _("bid / no-bid open")]
    if row["outcome"]:
        parts = [_("bid won") if row["outcome"] == "won" else _("bid lost")]
    value = margin.margin_percent(row["price"], Decimal(row["cost"]))
    if value is not None:
        parts.append(_("margin %(margin)s %%") % {"margin": _percent(value)})
    if row["applicable"]:
        parts.append(_("%(done)d/%(total)d items") % {"done": row["done"], "total": row["applicable"]})
    return " · ".join(parts)


def _percent(value: Decimal) -> str:
    """18.00 → 18, 17.50 → 17.5: the panel's short figure."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
