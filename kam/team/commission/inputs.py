"""What a statement reads from kam: the won deals or the payments credited to a person in a period
(with their deal-team share and the layer each falls in), the person's target, the star level."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kam.delivery.models import Payment
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import Target, User
from kam.team.commission.engine import HUNDRED, Credit, Edge, Result, cents, fill_bands, settle
from kam.team.commission.models import Band, BandKind, Base, CommissionPlan, CustomerKind, Layer
from kam.team.stars.selectors import incentive_for


@dataclass
class Calculation:
    result: Result
    target: Decimal | None
    star: str


def _amount(value: Decimal) -> str:
    return number_format(value, decimal_pos=0, force_grouping=True)


def edges(plan: CommissionPlan, bands: list[Band], target: Decimal | None) -> list[Edge]:
    """The plan's bands as amounts; attainment bands are percentages of the target."""
    bands = sorted(bands, key=lambda b: b.lower)
    out = []
    for index, band in enumerate(bands):
        upper = bands[index + 1].lower if index + 1 < len(bands) else None
        if plan.band_kind == BandKind.ATTAINMENT:
            lower = cents((target or Decimal("0")) * band.lower / HUNDRED)
            label = (
                f"{band.lower.normalize():f}%–{upper.normalize():f}%"
                if upper is not None
                else f"≥ {band.lower.normalize():f}%"
            )
        else:
            lower = band.lower
            label = (
                f"{_amount(band.lower)}–{_amount(upper)}" if upper is not None else f"≥ {_amount(band.lower)}"
            )
        out.append(Edge(lower, band.rate, label))
    return out


def layer_for(layers: list[Layer], *, tier: str, new_customer: bool, product_line: str) -> Layer | None:
    for layer in layers:
        if layer.tiers and tier not in layer.tiers.upper():
            continue
        if layer.customer_kind == CustomerKind.NEW and not new_customer:
            continue
        if layer.customer_kind == CustomerKind.EXISTING and new_customer:
            continue
        if layer.product_line and layer.product_line.strip().lower() != (product_line or "").strip().lower():
            continue
        return layer
    return None


def _first_wins(customer_ids: set[int]) -> dict[int, dt.datetime]:
    rows = (
        Opportunity.objects.filter(customer_id__in=customer_ids, status=OpportunityStatus.WON)
        .values("customer_id")
        .annotate(first=Min("closed_at"))
        .order_by()
    )
    return {r["customer_id"]: r["first"] for r in rows}


def _share(opportunity: Opportunity | None, person: User, owner_id: int) -> Decimal:
    """The person's share: the split's, else 100 % to the owner."""
    split = getattr(opportunity, "commission_split", None) if opportunity is not None else None
    if split is not None:
        return next((s.share for s in split.shares.all() if s.user_id == person.pk), Decimal("0"))
    return HUNDRED if owner_id == person.pk else Decimal("0")


def _is_new(opportunity: Opportunity | None, first: dict[int, dt.datetime]) -> bool:
    if opportunity is None or opportunity.closed_at is None:
        return False
    earliest = first.get(opportunity.customer_id)
    return earliest is None or opportunity.closed_at <= earliest


def _layered(
    credit: Credit, layers: list[Layer], opportunity: Opportunity | None, tier: str, first: dict
) -> Credit:
    if not layers:
        # A plan without layers pays every deal at the bands' own rates.
        return credit
    layer = layer_for(
        layers,
        tier=tier,
        new_customer=_is_new(opportunity, first),
        product_line=opportunity.product_line if opportunity is not None else "",
    )
    credit.layer = layer.name if layer is not None else ""
    credit.factor = layer.factor if layer is not None else None
    return credit


def deal_credits(
    plan: CommissionPlan, layers: list[Layer], person: User, start: dt.date, end: dt.date
) -> list[Credit]:
    deals = list(
        Opportunity.objects.filter(
            status=OpportunityStatus.WON, closed_at__date__gte=start, closed_at__date__lte=end
        )
        .filter(Q(owner=person) | Q(commission_split__shares__user=person))
        .distinct()
        .select_related("customer", "commission_split")
        .prefetch_related("commission_split__shares")
        .order_by("closed_at", "pk")
    )
    first = _first_wins({d.customer_id for d in deals})
    credits = []
    for deal in deals:
        share = _share(deal, person, deal.owner_id)
        if share <= 0 or deal.closed_at is None:
            continue
        amount = deal.amount or Decimal("0")
        label = deal.name
        if plan.base == Base.GROSS_PROFIT:
            margin = deal.gross_margin
            amount = cents(amount * margin / HUNDRED) if margin is not None else Decimal("0")
            if margin is None:
                label = _("%(name)s (no estimated gross margin)") % {"name": deal.name}
        credit = Credit(
            key=f"deal:{deal.pk}",
            kind="deal",
            dated=deal.closed_at.date(),
            label=label,
            customer=deal.customer.name,
            source_amount=amount,
            share=share,
            opportunity_id=deal.pk,
        )
        credits.append(_layered(credit, layers, deal, deal.customer.tier, first))
    return credits


def payment_credits(
    plan: CommissionPlan, layers: list[Layer], person: User, start: dt.date, end: dt.date
) -> list[Credit]:
    qs = Payment.objects.filter(received_on__gte=start, received_on__lte=end)
    if plan.base == Base.SERVICE:
        qs = qs.filter(contract__project__manager=person)
    else:
        qs = qs.filter(
            Q(contract__owner=person) | Q(contract__opportunity__commission_split__shares__user=person)
        )
    payments = list(
        qs.distinct()
        .select_related("contract__customer", "contract__opportunity__commission_split")
        .prefetch_related("contract__opportunity__commission_split__shares")
        .order_by("received_on", "pk")
    )
    first = _first_wins({p.contract.customer_id for p in payments})
    credits = []
    for payment in payments:
        contract = payment.contract
        deal = contract.opportunity
        share = HUNDRED if plan.base == Base.SERVICE else _share(deal, person, contract.owner_id)
        if share <= 0:
            continue
        credit = Credit(
            key=f"payment:{payment.pk}",
            kind="payment",
            dated=payment.received_on,
            label=f"{contract.number} {deal.name if deal is not None else contract.title}",
            customer=contract.customer.name,
            source_amount=payment.amount,
            share=share,
            opportunity_id=deal.pk if deal is not None else None,
            payment_id=payment.pk,
        )
        credits.append(_layered(credit, layers, deal, contract.customer.tier, first))
    return credits


def target_for(person: User, start: dt.date, end: dt.date) -> Decimal | None:
    """The person's own target for exactly the period, else the sum of their targets inside it."""
    targets = list(Target.objects.filter(user=person, period_start__gte=start, period_end__lte=end))
    if not targets:
        return None
    exact = [t.amount for t in targets if t.period_start == start and t.period_end == end]
    return exact[0] if exact else sum((t.amount for t in targets), Decimal("0"))


def calculate(plan: CommissionPlan, person: User, start: dt.date, end: dt.date) -> Calculation:
    layers = list(plan.layers.all())
    bands = list(plan.bands.all())
    target = target_for(person, start, end)
    if plan.base in (Base.WON, Base.GROSS_PROFIT):
        credits = deal_credits(plan, layers, person, start, end)
    else:
        credits = payment_credits(plan, layers, person, start, end)
    lines = fill_bands(credits, edges(plan, bands, target), no_layer=_("no layer matches"))
    multiplier, star = Decimal("1"), ""
    if plan.use_star_multiplier:
        incentive = incentive_for(person, end)
        if incentive is not None:
            multiplier = incentive.commission_multiplier
            star = "★" * incentive.star
    result = settle(lines, multiplier=multiplier, cap=plan.cap, floor=plan.floor)
    return Calculation(result, target, star)
