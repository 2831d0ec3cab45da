"""Reads for the score section, the scoring model page and the scoring API: a customer's breakdown
with names, labels and what would move it up; the model with its weights and thresholds.

The breakdown stored on `CustomerScore` holds ids and numbers only; names and labels come from the
model as it is now, in the request's language. A fixed number of queries whatever the size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Prefetch, Q
from django.utils.translation import gettext as _

from kam.access.visibility import customers_for, opportunities_for
from kam.core.templatetags.kam_format import format_amount
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerCriterionValue,
    CustomerScore,
    DynamicSource,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.opportunities.models import Opportunity
from kam.org.models import User

ZERO = Decimal("0")
HUNDRED = Decimal("100")
OVERRIDE_HISTORY_LIMIT = 20

MONEY_SOURCES = (
    DynamicSource.WON_AMOUNT_12M,
    DynamicSource.GROSS_PROFIT_12M,
    DynamicSource.OPEN_WEIGHTED_PIPELINE,
)
PERCENT_SOURCES = (DynamicSource.SHARE_OF_WALLET, DynamicSource.GROWTH_YOY)
# Inputs summed over the customer's deals. The score belongs to the customer and is computed from
# all of them, but the exact figures are shown only to someone who may see every one of those deals;
# others see the band and points (what explains the tier), not the amount. Years as a customer is
# how long the customer has bought from us, not an amount: everyone who sees the customer sees it.
DEAL_SOURCES = MONEY_SOURCES + PERCENT_SOURCES


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def plain_number(value: Decimal) -> str:
    """75.00 → "75", 12.50 → "12.5": for sentences, where trailing zeros read as noise."""
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_input(source: str, value: Decimal | None) -> str:
    """A dynamic criterion's input as a rep reads it: money, a percentage or years."""
    if value is None:
        return _("no data")
    if source in MONEY_SOURCES:
        return format_amount(value)  # in the reader's unit (元 / 万元)
    if source in PERCENT_SOURCES:
        return f"{value:.1f} %"
    if source == DynamicSource.YEARS_AS_CUSTOMER:
        return _("%(years)s years") % {"years": f"{value:.1f}"}
    if source == DynamicSource.CHURN_RISK:
        return f"{value:.1f} %"
    if source == DynamicSource.SATISFACTION:
        return f"{plain_number(value)} / 5"
    return str(value)


@dataclass
class BreakdownRow:
    criterion: scoring.CriterionSpec
    weight_share: Decimal
    scored: bool  # False: the criterion is newer than the customer's last recompute
    input: Decimal | None = None
    band: scoring.BandSpec | None = None
    points: Decimal | None = None
    contribution: Decimal | None = None
    next_band: scoring.BandSpec | None = None
    next_gain: Decimal | None = None
    chosen_band_id: int | None = None  # static criteria: the current choice (may be newer than the score)
    input_hidden: bool = False  # counts deals the viewer may not see: band and points only

    @property
    def is_static(self) -> bool:
        return self.criterion.kind == CriterionKind.STATIC

    @property
    def input_display(self) -> str:
        if self.is_static:
            chosen = self.criterion.band(self.chosen_band_id)
            return chosen.display_label if chosen else _("not set")
        if self.input_hidden:
            return _("not shown")
        return format_input(self.criterion.source, self.input)

    @property
    def options(self) -> tuple[scoring.BandSpec, ...]:
        return self.criterion.bands if self.is_static else ()


@dataclass
class ScoreView:
    customer: Customer
    model: scoring.ModelSpec | None
    score: CustomerScore | None
    rows: list[BreakdownRow] = field(default_factory=list)
    overrides: list[TierOverride] = field(default_factory=list)

    @property
    def total(self) -> Decimal | None:
        return self.score.total if self.score else None

    @property
    def overridden(self) -> bool:
        return bool(self.customer.tier_override)

    @property
    def next_threshold(self) -> scoring.ThresholdSpec | None:
        if self.model is None or self.score is None:
            return None
        return self.model.next_threshold(self.score.total)

    @property
    def points_to_next(self) -> Decimal | None:
        upcoming = self.next_threshold
        if upcoming is None or self.score is None:
            return None
        return upcoming.min_score - self.score.total

    @property
    def next_tier_text(self) -> str:
        upcoming, needed = self.next_threshold, self.points_to_next
        if upcoming is None or needed is None:
            return ""
        return _("%(points)s points to tier %(tier)s (%(minimum)s)") % {
            "points": plain_number(needed),
            "tier": upcoming.tier,
            "minimum": plain_number(upcoming.min_score),
        }

    @property
    def stale(self) -> bool:
        """The score was computed with another model or an earlier version of it (a recompute is on
        its way): its contributions may not match the weights shown."""
        if self.score is None or self.model is None:
            return False
        return self.score.scoring_model_id != self.model.id or self.score.model_version != self.model.version

    @property
    def inputs_hidden(self) -> bool:
        return any(row.input_hidden for row in self.rows)

    def chart(self) -> list[dict[str, Any]]:
        return [
            {
                "code": row.criterion.code,
                "name": row.criterion.display_name,
                "contribution": row.contribution or ZERO,
                "next_gain": row.next_gain or ZERO,
            }
            for row in self.rows
        ]


def sees_every_deal(user: User, customer: Customer) -> bool:
    """Whether `user` may see every opportunity of the customer (one query; none for a director)."""
    if user.sees_everything:
        return True
    deals = Opportunity.objects.filter(customer_id=customer.pk)
    return not deals.exclude(pk__in=opportunities_for(user, deals).values("pk")).exists()


def score_view(
    customer: Customer, *, viewer: User, overrides_limit: int = OVERRIDE_HISTORY_LIMIT
) -> ScoreView:
    """Everything the score section shows `viewer` for one (already visibility-checked) customer."""
    model = scoring.load_model()
    score = CustomerScore.objects.filter(customer=customer).first()
    overrides = list(
        TierOverride.objects.filter(customer=customer).select_related("created_by")[:overrides_limit]
    )
    view = ScoreView(customer=customer, model=model, score=score, overrides=overrides)
    if model is None:
        return view
    chosen = dict(
        CustomerCriterionValue.objects.filter(customer=customer).values_list("criterion_id", "band_id")
    )
    entries = {entry["criterion"]: entry for entry in (score.breakdown if score else [])}
    hide_deal_inputs = bool(entries) and not sees_every_deal(viewer, customer)
    total_weight = model.total_weight
    for criterion in model.criteria:
        share = criterion.weight / total_weight if total_weight else ZERO
        entry = entries.get(criterion.id)
        row = BreakdownRow(
            criterion=criterion,
            weight_share=share,
            scored=entry is not None,
            chosen_band_id=chosen.get(criterion.id),
        )
        if entry is not None:
            row.input_hidden = hide_deal_inputs and criterion.source in DEAL_SOURCES
            row.input = None if row.input_hidden else _decimal(entry.get("input"))
            row.band = criterion.band(entry.get("band"))
            row.points = _decimal(entry.get("points"))
            row.contribution = _decimal(entry.get("contribution"))
            row.next_band = criterion.band(entry.get("next_band"))
            row.next_gain = _decimal(entry.get("next_gain"))
        view.rows.append(row)
    return view


# --- The model page ---------------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: ScoringCriterion
    weight_share: Decimal | None  # None: inactive, so it carries no weight
    bands: list[ScoreBand]
    customers_per_band: dict[int, int]

    @property
    def band_rows(self) -> list[tuple[ScoreBand, int]]:
        """Each band with how many customers chose it (static criteria; 0 for dynamic ones)."""
        return [(band, self.customers_per_band.get(band.pk, 0)) for band in self.bands]

    @property
    def share_percent(self) -> Decimal | None:
        return None if self.weight_share is None else scoring.q2(self.weight_share * HUNDRED)


@dataclass
class ModelPage:
    model: ScoringModel
    criteria: list[CriterionRow]
    thresholds: list[Any]
    total_weight: Decimal
    last_computed_at: dt.datetime | None
    scored_customers: int
    # Some score (of a customer the reader may see) was computed with an earlier version of the
    # model: the recompute after an edit has not reached it yet.
    recompute_pending: bool


def model_page(*, viewer: User) -> ModelPage | None:
    """The active model with how many of the customers `viewer` may see chose each static value and
    were scored: counts over customers they cannot see would tell what the list hides."""
    model = ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        return None
    visible = customers_for(viewer, Customer.objects.all())
    criteria = list(
        model.criteria.order_by("position", "id").prefetch_related(
            Prefetch("bands", queryset=ScoreBand.objects.order_by("position", "id"))
        )
    )
    total_weight = sum((c.weight for c in criteria if c.is_active), ZERO)
    counts = dict(
        CustomerCriterionValue.objects.filter(criterion__scoring_model=model, customer__in=visible)
        .order_by()
        .values("band_id")
        .annotate(n=Count("id"))
        .values_list("band_id", "n")
    )
    computed = CustomerScore.objects.filter(customer__in=visible).aggregate(
        last=Max("computed_at"),
        n=Count("id"),
        outdated=Count("id", filter=~Q(scoring_model=model) | ~Q(model_version=model.version)),
    )
    return ModelPage(
        model=model,
        criteria=[
            CriterionRow(
                criterion=c,
                weight_share=(c.weight / total_weight if total_weight else ZERO) if c.is_active else None,
                bands=list(c.bands.all()),
                customers_per_band=counts,
            )
            for c in criteria
        ],
        thresholds=sorted(model.thresholds.all(), key=lambda t: t.tier),
        total_weight=total_weight,
        last_computed_at=computed["last"],
        scored_customers=computed["n"],
        recompute_pending=bool(computed["outdated"]),
    )
