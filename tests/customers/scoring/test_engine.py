"""The score engine: band and weight arithmetic on a hand-built model, and the breakdown a rescore
writes from constructed data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.customers.models import CriterionKind, CustomerScore, DynamicSource, ScoringCriterion, Tier
from kam.customers.scoring import engine as scoring
from kam.customers.scoring.engine import BandSpec, CriterionSpec, ModelSpec, ThresholdSpec
from tests.customers.scoring.conftest import won_deal
from tests.factories import CustomerFactory

D = Decimal

# --- A hand-built model: one static criterion (weight 1) and one dynamic one (weight 3) -------------

STATIC = CriterionSpec(
    id=1,
    code="fit",
    name="契合",
    name_en="Fit",
    kind=CriterionKind.STATIC,
    source="",
    weight=D("1"),
    bands=(
        BandSpec(101, "高", "High", None, None, D("100")),
        BandSpec(102, "中", "Medium", None, None, D("50")),
        BandSpec(103, "低", "Low", None, None, D("0")),
    ),
)
WON = CriterionSpec(
    id=2,
    code="won",
    name="成交",
    name_en="Won",
    kind=CriterionKind.DYNAMIC,
    source=DynamicSource.WON_AMOUNT_12M,
    weight=D("3"),
    bands=(
        BandSpec(201, "少", "Small", None, D("100"), D("0")),
        BandSpec(202, "中", "Medium", D("100"), D("1000"), D("40")),
        BandSpec(203, "多", "Large", D("1000"), None, D("100")),
    ),
)
THRESHOLDS = (
    ThresholdSpec(Tier.A, D("75"), "key"),
    ThresholdSpec(Tier.B, D("50"), "important"),
    ThresholdSpec(Tier.C, D("25"), "general"),
    ThresholdSpec(Tier.D, D("0"), "general"),
)
MODEL = ModelSpec(id=1, version=1, criteria=(STATIC, WON), thresholds=THRESHOLDS)


def won(value: str | None) -> dict[str, Decimal | None]:
    return {DynamicSource.WON_AMOUNT_12M: None if value is None else D(value)}


def entry(result: scoring.ScoreResult, criterion_id: int) -> dict:
    return next(e for e in result.breakdown if e["criterion"] == criterion_id)


@pytest.mark.parametrize(
    ("amount", "band", "points"),
    [
        ("0", 201, "0.00"),
        ("99.99", 201, "0.00"),
        ("100", 202, "40.00"),  # "from" is inclusive
        ("999.99", 202, "40.00"),
        ("1000", 203, "100.00"),  # "to" is exclusive: 1000 is in the next band
        ("123456789", 203, "100.00"),
        (None, None, "0.00"),  # no data: no band, no points
    ],
)
def test_dynamic_band_boundaries(amount, band, points):
    result = scoring.score_customer(MODEL, won(amount), {})
    row = entry(result, WON.id)
    assert (row["band"], row["points"]) == (band, points)
    assert row["input"] == (None if amount is None else str(D(amount).quantize(D("0.01"))))


@pytest.mark.parametrize(
    ("static_band", "amount", "total", "tier", "segment"),
    [
        (101, "5000", "100.00", Tier.A, "key"),  # (100×1 + 100×3) ÷ 4
        (103, "5000", "75.00", Tier.A, "key"),  # exactly the minimum of A counts
        (102, "500", "42.50", Tier.C, "general"),  # (50 + 40×3) ÷ 4
        (101, "500", "55.00", Tier.B, "important"),  # (100 + 120) ÷ 4
        (101, "50", "25.00", Tier.C, "general"),  # exactly C's minimum
        (102, "50", "12.50", Tier.D, "general"),
        (None, None, "0.00", Tier.D, "general"),  # nothing known: 0 points everywhere
        (999, "50", "0.00", Tier.D, "general"),  # a band id not of this criterion counts as not set
    ],
)
def test_total_is_points_times_weight_over_sum_of_weights(static_band, amount, total, tier, segment):
    statics = {} if static_band is None else {STATIC.id: static_band}
    result = scoring.score_customer(MODEL, won(amount), statics)
    assert (result.total, result.tier, result.segment) == (D(total), tier, segment)


def test_contributions_add_up_to_the_total():
    result = scoring.score_customer(MODEL, won("500"), {STATIC.id: 102})
    assert entry(result, STATIC.id)["contribution"] == "12.50"  # 50 × 1/4
    assert entry(result, WON.id)["contribution"] == "30.00"  # 40 × 3/4
    assert sum(D(e["contribution"]) for e in result.breakdown) == result.total


@pytest.mark.parametrize("factor", ["0.5", "2", "10"])
def test_weights_are_normalised(factor):
    scaled = ModelSpec(
        id=1,
        version=1,
        criteria=tuple(
            CriterionSpec(c.id, c.code, c.name, c.name_en, c.kind, c.source, c.weight * D(factor), c.bands)
            for c in MODEL.criteria
        ),
        thresholds=THRESHOLDS,
    )
    original = scoring.score_customer(MODEL, won("500"), {STATIC.id: 102})
    result = scoring.score_customer(scaled, won("500"), {STATIC.id: 102})
    assert result.total == original.total == D("42.50")


def test_model_without_weight_scores_zero():
    empty = ModelSpec(id=1, version=1, criteria=(), thresholds=THRESHOLDS)
    result = scoring.score_customer(empty, {}, {})
    assert (result.total, result.tier) == (D("0.00"), Tier.D)


@pytest.mark.parametrize(
    ("static_band", "amount", "next_static", "static_gain", "next_won", "won_gain"),
    [
        (102, "500", 101, "12.50", 203, "45.00"),  # (100−50) × 1/4; (100−40) × 3/4
        (103, "50", 102, "12.50", 202, "30.00"),  # the smallest step up, not the top band
        (101, "5000", None, None, None, None),  # at the top: nothing more to gain
        (None, None, 102, "12.50", 202, "30.00"),  # not set / no data: from 0 points
    ],
)
def test_next_band_and_its_gain(static_band, amount, next_static, static_gain, next_won, won_gain):
    statics = {} if static_band is None else {STATIC.id: static_band}
    result = scoring.score_customer(MODEL, won(amount), statics)
    assert (entry(result, STATIC.id)["next_band"], entry(result, STATIC.id)["next_gain"]) == (
        next_static,
        static_gain,
    )
    assert (entry(result, WON.id)["next_band"], entry(result, WON.id)["next_gain"]) == (next_won, won_gain)


@pytest.mark.parametrize(
    ("total", "tier", "next_tier", "needed"),
    [
        ("0", Tier.D, Tier.C, "25"),
        ("24.99", Tier.D, Tier.C, "0.01"),
        ("25", Tier.C, Tier.B, "25"),
        ("62.5", Tier.B, Tier.A, "12.5"),
        ("74.99", Tier.B, Tier.A, "0.01"),
        ("75", Tier.A, None, None),
        ("100", Tier.A, None, None),
    ],
)
def test_thresholds_and_next_threshold(total, tier, next_tier, needed):
    assert MODEL.tier_for(D(total)).tier == tier
    upcoming = MODEL.next_threshold(D(total))
    assert (upcoming.tier if upcoming else None) == next_tier
    if upcoming:
        assert upcoming.min_score - D(total) == D(needed)


@pytest.mark.parametrize(
    ("total", "tier", "next_tier"),
    [
        ("0", Tier.D, Tier.C),
        ("7", Tier.D, Tier.C),
        ("10", Tier.D, Tier.C),
        ("29.99", Tier.D, Tier.C),
        ("30", Tier.C, Tier.B),
    ],
)
def test_below_a_raised_lowest_threshold_the_next_tier_is_the_one_above_it(total, tier, next_tier):
    # An administrator raised tier D's minimum to 10: a 7 is still tier D, and D is not "next".
    raised = ModelSpec(
        id=1,
        version=1,
        criteria=(STATIC, WON),
        thresholds=(
            ThresholdSpec(Tier.A, D("75"), "key"),
            ThresholdSpec(Tier.B, D("50"), "important"),
            ThresholdSpec(Tier.C, D("30"), "general"),
            ThresholdSpec(Tier.D, D("10"), "general"),
        ),
    )
    assert raised.tier_for(D(total)).tier == tier
    upcoming = raised.next_threshold(D(total))
    assert upcoming is not None and upcoming.tier == next_tier


# --- The breakdown a rescore writes ----------------------------------------------------------------


def test_rescore_writes_the_breakdown_of_the_default_model(rep):
    customer = CustomerFactory(owner=rep, category_purchases=D("1000000"))
    won_deal(customer, rep, "700000", timezone.now() - dt.timedelta(days=30))
    scoring.rescore([customer.pk])
    score = CustomerScore.objects.get(customer=customer)
    rows = {ScoringCriterion.objects.get(pk=e["criterion"]).code: e for e in score.breakdown}
    assert rows["won_amount_12m"]["input"] == "700000.00"
    assert rows["won_amount_12m"]["points"] == "30.00"  # ¥100k–1M
    assert rows["share_of_wallet"]["points"] == "100.00"  # 70 % ≥ 60 %
    customer.refresh_from_db()
    assert customer.score == score.total
