"""Customer scoring (综合积分法): the active scoring model applied to each customer's inputs.

The arithmetic is one pure function (`score_customer`) so it can be tested band by band; the inputs
of the dynamic criteria come from a handful of SQL aggregates over all customers at once, so a full
recompute of 50k customers is a few queries plus one upsert, not a query per customer.

Total score = Σ(points × weight) ÷ Σ(weights), 0–100. A criterion without an input (no value chosen
for a static criterion, no data for a dynamic one) scores 0 points. The tier is the highest one whose
threshold the total reaches; the tier's segment comes from the same threshold row. A manager's tier
override replaces the tier (and so the segment) shown everywhere, never the computed score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.history import both_languages
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerChange,
    CustomerScore,
    ScoringModel,
    Segment,
    Tier,
    in_english,
)
from kam.customers.scoring.inputs import (
    ZERO,
    IdRange,
    Scope,
    dynamic_inputs,
    filtered,
    static_values,
)

CENT = Decimal("0.01")
# A change touching at most this many customers is rescored in the same transaction as the change
# (the user sees the new tier on the next page); more goes to the background worker.
SYNC_LIMIT = 20
BATCH = 1000
RANGE_BATCH = 10_000  # customers per transaction in a full rescore


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- The model as plain values ------------------------------------------------------------------


@dataclass(frozen=True)
class BandSpec:
    id: int
    label: str
    label_en: str
    min_value: Decimal | None
    max_value: Decimal | None
    points: Decimal

    @property
    def display_label(self) -> str:
        return self.label_en if self.label_en and in_english() else self.label

    def contains(self, value: Decimal) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return not (self.max_value is not None and value >= self.max_value)


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    source: str
    weight: Decimal
    bands: tuple[BandSpec, ...]

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name

    def band(self, band_id: int | None) -> BandSpec | None:
        return next((b for b in self.bands if b.id == band_id), None)

    def band_for(self, value: Decimal | None) -> BandSpec | None:
        """The first band (in the administrator's order) whose range holds the value."""
        if value is None:
            return None
        return next((b for b in self.bands if b.contains(value)), None)

    def next_band(self, points: Decimal) -> BandSpec | None:
        """The band worth the fewest points more than `points`: the next step up for this criterion."""
        better = [b for b in self.bands if b.points > points]
        return min(better, key=lambda b: b.points) if better else None


@dataclass(frozen=True)
class ThresholdSpec:
    tier: str
    min_score: Decimal
    segment: str


@dataclass(frozen=True)
class ModelSpec:
    id: int
    version: int
    criteria: tuple[CriterionSpec, ...]
    thresholds: tuple[ThresholdSpec, ...]  # highest minimum first

    @property
    def total_weight(self) -> Decimal:
        return sum((c.weight for c in self.criteria), ZERO)

    def criterion(self, criterion_id: int) -> CriterionSpec | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def tier_for(self, total: Decimal) -> ThresholdSpec:
        for threshold in self.thresholds:
            if total >= threshold.min_score:
                return threshold
        # Below every threshold (an administrator raised the lowest above 0): the lowest tier.
        return self.thresholds[-1] if self.thresholds else ThresholdSpec(Tier.D, ZERO, Segment.GENERAL)

    def segment_for_tier(self, tier: str) -> str:
        return next((t.segment for t in self.thresholds if t.tier == tier), Segment.GENERAL)

    def next_threshold(self, total: Decimal) -> ThresholdSpec | None:
        """The lowest threshold above the total: what the customer needs for the next tier up.

        A total below every threshold already sits in the lowest tier, so that tier's own minimum
        is not "next"; only thresholds above the current tier's count.
        """
        current = self.tier_for(total)
        above = [t for t in self.thresholds if t.min_score > total and t.min_score > current.min_score]
        return min(above, key=lambda t: t.min_score) if above else None


def load_model(scoring_model: ScoringModel | None = None) -> ModelSpec | None:
    """The active scoring model (or the one given) with its active criteria, bands and thresholds."""
    model = scoring_model or ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        return None
    criteria = model.criteria.filter(is_active=True).prefetch_related("bands").order_by("position", "id")
    return ModelSpec(
        id=model.pk,
        version=model.version,
        criteria=tuple(
            CriterionSpec(
                id=c.pk,
                code=c.code,
                name=c.name,
                name_en=c.name_en,
                kind=c.kind,
                source=c.source,
                weight=c.weight,
                bands=tuple(
                    BandSpec(b.pk, b.label, b.label_en, b.min_value, b.max_value, b.points)
                    for b in sorted(c.bands.all(), key=lambda b: (b.position, b.pk))
                ),
            )
            for c in criteria
        ),
        thresholds=tuple(
            ThresholdSpec(t.tier, t.min_score, t.segment)
            for t in sorted(model.thresholds.all(), key=lambda t: (-t.min_score, t.tier))
        ),
    )


# --- The arithmetic -----------------------------------------------------------------------------


@dataclass
class ScoreResult:
    total: Decimal
    tier: str
    segment: str
    breakdown: list[dict[str, Any]] = field(default_factory=list)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(q2(value))


def _band_entries(model: ModelSpec) -> dict[int, dict[int | None, tuple[Decimal, dict[str, Any]]]]:
    """Per criterion, per band hit (None: none), its points and what the breakdown stores for it:
    the same for every customer, so a full rescore computes them once, not 50,000 times."""
    total_weight = model.total_weight
    table: dict[int, dict[int | None, tuple[Decimal, dict[str, Any]]]] = {}
    for criterion in model.criteria:
        share = criterion.weight / total_weight if total_weight else ZERO
        weight = _text(criterion.weight)
        entries: dict[int | None, tuple[Decimal, dict[str, Any]]] = {}
        for band in (None, *criterion.bands):
            points = band.points if band else ZERO
            upgrade = criterion.next_band(points)
            entries[band.id if band else None] = (
                points,
                {
                    "band": band.id if band else None,
                    "points": _text(points),
                    "weight": weight,
                    "contribution": _text(points * share),
                    "next_band": upgrade.id if upgrade else None,
                    "next_gain": _text((upgrade.points - points) * share) if upgrade else None,
                },
            )
        table[criterion.id] = entries
    return table


def score_customer(
    model: ModelSpec,
    inputs: dict[str, Decimal | None],
    static_bands: dict[int, int],
    *,
    entries: dict[int, dict[int | None, tuple[Decimal, dict[str, Any]]]] | None = None,
) -> ScoreResult:
    """Score one customer: `inputs` maps a dynamic source to its value (None = no data),
    `static_bands` maps a static criterion's id to the band chosen by hand. `entries` is
    `_band_entries(model)`, passed in when many customers are scored with one model."""
    entries = entries if entries is not None else _band_entries(model)
    total_weight = model.total_weight
    weighted_sum = ZERO
    breakdown: list[dict[str, Any]] = []
    for criterion in model.criteria:
        value: Decimal | None
        if criterion.kind == CriterionKind.STATIC:
            value = None
            band = criterion.band(static_bands.get(criterion.id))
        else:
            value = inputs.get(criterion.source)
            band = criterion.band_for(value)
        points, entry = entries[criterion.id][band.id if band else None]
        weighted_sum += points * criterion.weight
        breakdown.append({"criterion": criterion.id, "input": _text(value), **entry})
    total = q2(weighted_sum / total_weight) if total_weight else ZERO.quantize(CENT)
    threshold = model.tier_for(total)
    return ScoreResult(total=total, tier=threshold.tier, segment=threshold.segment, breakdown=breakdown)


# --- Inputs from the data ------------------------------------------------------------------------


# --- Recompute ----------------------------------------------------------------------------------


def _batches(ids: list[int] | None) -> Iterable[Scope]:
    if ids is None:
        # Everyone: id ranges of RANGE_BATCH customers, the first and last open-ended.
        starts = list(Customer.objects.order_by("id").values_list("id", flat=True)[RANGE_BATCH::RANGE_BATCH])
        if not starts:
            yield None
            return
        bounds: list[int | None] = [None, *starts, None]
        for first, following in zip(bounds, bounds[1:], strict=False):
            yield IdRange(first, None if following is None else following - 1)
        return
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def rescore(customer_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Recompute the scores of the given customers (all when None); returns how many were scored.

    Writes `CustomerScore` (upsert) and the customer's score, computed tier and effective tier and
    segment; a change of computed tier leaves a line in the customer's history.
    """
    model = load_model()
    if model is None:
        return 0
    now = now or timezone.now()
    ids = None if customer_ids is None else sorted({int(i) for i in customer_ids if i})
    if ids == []:
        return 0
    count = 0
    # One transaction per batch: a full rescore of 50,000 customers must not hold SQLite's write lock,
    # or PostgreSQL's row locks on every customer, for the whole run. Inside a caller's transaction
    # these are savepoints and everything still commits together.
    for batch in _batches(ids):
        with transaction.atomic():
            count += _rescore_batch(model, batch, now)
    return count


def _rescore_batch(model: ModelSpec, ids: Scope, now: dt.datetime) -> int:
    inputs = dynamic_inputs(ids, now=now)
    statics = static_values(ids)
    previous = {
        customer_id: (tier, total)
        for customer_id, tier, total in filtered(CustomerScore.objects.order_by(), ids).values_list(
            "customer_id", "tier", "total"
        )
    }
    rows: list[CustomerScore] = []
    changes: list[CustomerChange] = []
    entries = _band_entries(model)
    for customer_id, customer_inputs in inputs.items():
        result = score_customer(model, customer_inputs, statics.get(customer_id, {}), entries=entries)
        rows.append(
            CustomerScore(
                customer_id=customer_id,
                scoring_model_id=model.id,
                model_version=model.version,
                total=result.total,
                tier=result.tier,
                segment=result.segment,
                breakdown=result.breakdown,
                computed_at=now,
            )
        )
        old_tier, old_total = previous.get(customer_id, ("", None))
        if old_tier and old_tier != result.tier:
            changes.append(_tier_change(customer_id, old_tier, old_total, result))
    CustomerScore.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=[
            "scoring_model",
            "model_version",
            "total",
            "tier",
            "segment",
            "breakdown",
            "computed_at",
        ],
    )
    CustomerChange.objects.bulk_create(changes, batch_size=BATCH)
    _sync_customers(model, ids)
    return len(rows)


def _tier_change(
    customer_id: int, old_tier: str, old_score: Decimal | None, result: ScoreResult
) -> CustomerChange:
    return CustomerChange(
        customer_id=customer_id,
        **both_languages(
            lambda: (
                _("Computed tier %(old)s → %(new)s (score %(old_score)s → %(new_score)s)")
                % {"old": old_tier, "new": result.tier, "old_score": old_score, "new_score": result.total}
            )
        ),
    )


def _sync_customers(model: ModelSpec, ids: Scope) -> None:
    """Copy the computed score onto the customer rows in three set-based UPDATEs."""
    customers = filtered(Customer.objects.all(), ids, "pk")
    score = CustomerScore.objects.filter(customer_id=OuterRef("pk"))
    customers.update(
        score=Subquery(score.values("total")[:1], output_field=DecimalField(max_digits=6, decimal_places=2)),
        computed_tier=Subquery(score.values("tier")[:1]),
    )
    customers.update(
        tier=Case(When(~Q(tier_override=""), then=F("tier_override")), default=F("computed_tier")),
    )
    customers.update(
        segment=Case(
            *(When(tier=t.tier, then=Value(t.segment)) for t in model.thresholds),
            default=Value(Segment.GENERAL),
        )
    )
