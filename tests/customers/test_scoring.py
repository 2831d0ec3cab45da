"""The score engine and the scoring writes: band and weight arithmetic on a hand-built model, dynamic
inputs from constructed data, what triggers a recompute, tier overrides, scoring model edits, and
the background worker."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from kam.core.errors import ConflictError
from kam.customers import services
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerChange,
    CustomerCriterionValue,
    CustomerScore,
    DynamicSource,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    Tier,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring import tasks as rescores
from kam.customers.scoring.engine import BandSpec, CriterionSpec, ModelSpec, ThresholdSpec
from kam.customers.scoring.services import BandInput, ThresholdInput
from kam.opportunities import services as opportunity_services
from kam.org.models import Role
from tests.factories import CustomerFactory, UserFactory, ensure_sales_processes, make_opportunity

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


# --- Dynamic inputs from constructed data ---------------------------------------------------------

NOW = dt.datetime(2027, 6, 30, 12, 0, tzinfo=dt.UTC)


def months_ago(months: int) -> dt.datetime:
    return NOW - dt.timedelta(days=round(months * 30.44))


def won_deal(customer, owner, amount, closed_at, margin=None, name="Deal"):
    opportunity = make_opportunity(
        owner=owner, customer=customer, amount=D(amount), gross_margin=margin, name=name
    )
    return opportunity_services.close_opportunity(
        opportunity, by=owner, status="won", reason="Signed", closed_at=closed_at
    )


@pytest.fixture
def rep(db):
    return UserFactory(username="scoring_rep")


def test_won_amount_counts_the_last_12_months_only(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "300000", months_ago(11), name="Recent")
    won_deal(customer, rep, "700000", months_ago(13), name="Old")
    inputs = scoring.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.WON_AMOUNT_12M] == D("300000")
    # The deal of 13 months ago is the base year of the growth: (300k − 700k) ÷ 700k.
    assert inputs[DynamicSource.GROWTH_YOY].quantize(D("0.01")) == D("-57.14")


def test_growth_without_a_base_year_is_no_data(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "300000", months_ago(2))
    inputs = scoring.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.GROWTH_YOY] is None
    other = CustomerFactory(owner=rep)
    won_deal(other, rep, "100000", months_ago(14), name="Base")
    won_deal(other, rep, "150000", months_ago(1), name="Now")
    assert scoring.dynamic_inputs([other.pk], now=NOW)[other.pk][DynamicSource.GROWTH_YOY] == D("50")


def test_gross_profit_is_amount_times_margin(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "1000000", months_ago(3), margin=D("25"), name="A")
    won_deal(customer, rep, "200000", months_ago(4), margin=D("10"), name="B")
    won_deal(customer, rep, "500000", months_ago(5), margin=None, name="No margin")  # no margin: no profit
    won_deal(customer, rep, "900000", months_ago(20), margin=D("50"), name="Too old")
    inputs = scoring.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.GROSS_PROFIT_12M] == D("270000")


def test_share_of_wallet_divides_by_category_purchases(rep):
    customer = CustomerFactory(owner=rep, category_purchases=D("2000000"))
    unknown = CustomerFactory(owner=rep)
    won_deal(customer, rep, "500000", months_ago(6))
    inputs = scoring.dynamic_inputs([customer.pk, unknown.pk], now=NOW)
    assert inputs[customer.pk][DynamicSource.SHARE_OF_WALLET] == D("25")
    # Without the customer's total purchases there is no share to compute.
    assert inputs[unknown.pk][DynamicSource.SHARE_OF_WALLET] is None


def test_years_as_customer_from_the_first_won_deal(rep):
    customer = CustomerFactory(owner=rep)
    won_deal(customer, rep, "100000", NOW - dt.timedelta(days=round(3.5 * 365.25)), name="First")
    won_deal(customer, rep, "100000", months_ago(1), name="Latest")
    inputs = scoring.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.YEARS_AS_CUSTOMER].quantize(D("0.1")) == D("3.5")
    newcomer = CustomerFactory(owner=rep)
    assert (
        scoring.dynamic_inputs([newcomer.pk], now=NOW)[newcomer.pk][DynamicSource.YEARS_AS_CUSTOMER] is None
    )


def test_open_weighted_pipeline_is_amount_times_stage_probability(rep):
    customer = CustomerFactory(owner=rep)
    make_opportunity(owner=rep, customer=customer, amount=D("1000000"), stage_code="P0", name="P0")  # 10 %
    make_opportunity(owner=rep, customer=customer, amount=D("400000"), stage_code="P4", name="P4")  # 50 %
    lost = make_opportunity(owner=rep, customer=customer, amount=D("9000000"), stage_code="P4", name="Lost")
    opportunity_services.close_opportunity(lost, by=rep, status="lost", reason="Price")
    inputs = scoring.dynamic_inputs([customer.pk], now=NOW)[customer.pk]
    assert inputs[DynamicSource.OPEN_WEIGHTED_PIPELINE] == D("300000")


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


# --- What triggers a recompute ----------------------------------------------------------------------


def band(code: str, label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code=code, label_en=label_en)


def test_closing_as_won_raises_the_score_and_the_tier(rep):
    customer = CustomerFactory(owner=rep, category_purchases=D("6000000"))
    for code, label in [
        ("industry_leadership", "Industry leader"),
        ("brand_builder", "Strong"),
        ("regional_leader", "Strong"),
        ("technology_leader", "Strong"),
        ("reference_value", "Flagship reference"),
        ("strategic_fit", "High"),
    ]:
        services.set_static_value(
            customer, ScoringCriterion.objects.get(code=code), band(code, label), by=rep
        )
    deal = make_opportunity(owner=rep, customer=customer, amount=D("5500000"), gross_margin=D("40"))
    customer.refresh_from_db()
    # 45 from the static criteria, 2.5 from the pipeline (¥550k weighted), 2 from a 0 % share of wallet.
    assert (customer.score, customer.tier) == (D("49.50"), Tier.C)
    opportunity_services.close_opportunity(deal, by=rep, status="won", reason="Signed")
    customer.refresh_from_db()
    # Won ¥5.5M (+15), gross profit ¥2.2M (+10), share of wallet 92 % (+10); the pipeline is gone (−2.5).
    assert (customer.score, customer.tier, customer.segment) == (D("80.00"), Tier.A, "key")
    assert CustomerChange.objects.filter(customer=customer, summary__contains="C → A").exists()


def test_editing_a_static_value_rescores_at_once(rep):
    customer = services.create_customer(by=rep, name="Static Co")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    before = customer.score
    services.set_static_value(customer, criterion, band("industry_leadership", "Industry leader"), by=rep)
    assert customer.score == before + D("15.00")  # 100 points × 15 ÷ 100
    services.set_static_value(customer, criterion, None, by=rep)
    assert customer.score == before
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_deferred_rescores_run_once_per_customer_when_the_block_ends(rep, monkeypatch):
    first = services.create_customer(by=rep, name="First Co")
    second = services.create_customer(by=rep, name="Second Co")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    calls: list[list[int] | None] = []
    real_rescore = scoring.rescore

    def counting_rescore(ids=None, **kwargs):
        calls.append(None if ids is None else sorted(ids))
        return real_rescore(ids, **kwargs)

    monkeypatch.setattr(scoring, "rescore", counting_rescore)
    before = first.score
    with rescores.rescores_deferred():
        services.set_static_value(first, criterion, band("industry_leadership", "Industry leader"), by=rep)
        make_opportunity(owner=rep, customer=first, amount=D("1000000"), name="Deal 1")
        make_opportunity(owner=rep, customer=second, amount=D("1000000"), name="Deal 2")
        with rescores.rescores_deferred():  # a nested block joins the outer one
            make_opportunity(owner=rep, customer=first, amount=D("1000000"), name="Deal 3")
        assert calls == []
        assert CustomerScore.objects.get(customer=first).total == before  # nothing recomputed yet
    assert calls == [sorted([first.pk, second.pk])]
    first.refresh_from_db()
    # Industry leader (+15) and ¥300k weighted pipeline: ¥100k–1M, 50 points × 5 % (+2.5).
    assert first.score == before + D("17.50")


def test_a_request_for_everyone_inside_a_deferred_block_rescores_everyone(rep):
    customer = services.create_customer(by=rep, name="Everyone Co")
    CustomerScore.objects.all().delete()
    with rescores.rescores_deferred():
        rescores.request_rescore(None)
        assert not CustomerScore.objects.exists()
    assert CustomerScore.objects.filter(customer=customer).exists()


def test_static_value_refuses_a_band_of_another_criterion(rep):
    customer = services.create_customer(by=rep, name="Static Co")
    with pytest.raises(ValidationError):
        services.set_static_value(
            customer,
            ScoringCriterion.objects.get(code="industry_leadership"),
            band("brand_builder", "Strong"),
            by=rep,
        )


def test_editing_category_purchases_rescores(rep):
    customer = services.create_customer(by=rep, name="Wallet Co")
    won_deal(customer, rep, "400000", timezone.now() - dt.timedelta(days=10))
    customer.refresh_from_db()
    before = customer.score
    services.update_customer(customer, by=rep, version=customer.version, category_purchases=D("500000"))
    customer.refresh_from_db()
    # 80 % share of wallet: 100 points × 10 ÷ 100 more than no data.
    assert customer.score == before + D("10.00")


def test_a_model_edit_enqueues_a_recompute_of_everyone(rep, admin_user, django_capture_on_commit_callbacks):
    admin_user.role = Role.ADMIN
    customers = [services.create_customer(by=rep, name=f"C{i}") for i in range(3)]
    model = ScoringModel.objects.get(is_active=True)
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version, weight=D("0"))
    assert len(callbacks) == 1  # nothing rescored yet: the worker runs after the commit
    assert all(CustomerScore.objects.get(customer=c).breakdown[-1]["weight"] == "5.00" for c in customers)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version + 1, weight=D("20"))
    for customer in customers:
        last = CustomerScore.objects.get(customer=customer).breakdown[-1]
        assert (last["criterion"], last["weight"]) == (criterion.pk, "20.00")


def test_a_full_rescore_runs_in_id_ranges_that_cover_every_customer(rep, monkeypatch):
    customers = [services.create_customer(by=rep, name=f"Range {i}") for i in range(5)]
    CustomerScore.objects.all().delete()
    monkeypatch.setattr(scoring, "RANGE_BATCH", 2)
    ids = sorted(c.pk for c in Customer.objects.all())
    ranges = list(scoring._batches(None))
    # 2 per range; the first and the last open-ended, so nothing falls between or after them.
    assert ranges[0].first is None and ranges[-1].last is None
    assert [r.first for r in ranges[1:]] == ids[2::2]
    assert all(a.last == b.first - 1 for a, b in zip(ranges, ranges[1:], strict=False))
    assert scoring.rescore() == len(ids)
    assert set(CustomerScore.objects.values_list("customer_id", flat=True)) == set(ids)
    assert all(c.score is not None for c in Customer.objects.filter(pk__in=[c.pk for c in customers]))


def test_kam_rescore_command(rep, capsys):
    customer = services.create_customer(by=rep, name="Command Co")
    CustomerScore.objects.all().delete()
    type(customer).objects.filter(pk=customer.pk).update(score=None, computed_tier="")
    call_command("rescore")
    assert "Rescored 1 customers" in capsys.readouterr().out
    customer.refresh_from_db()
    assert customer.score is not None and customer.computed_tier == Tier.D
    call_command("rescore", str(customer.pk), "--background")
    assert "Enqueued rescore task" in capsys.readouterr().out


# --- Tier overrides ----------------------------------------------------------------------------------


@pytest.fixture
def scored(world):
    customer = world.east_customer
    scoring.rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def test_rep_may_not_override(world, scored):
    with pytest.raises(PermissionDenied):
        services.override_tier(scored, by=world.east_rep, tier="A", reason="Big", expected_override="")
    assert not TierOverride.objects.exists()


def test_override_needs_a_reason(world, scored):
    with pytest.raises(ValidationError) as error:
        services.override_tier(scored, by=world.east_mgr, tier="A", reason="  ", expected_override="")
    assert "reason" in error.value.message_dict
    scored.refresh_from_db()
    assert scored.tier_override == ""


def test_override_keeps_the_score_and_removal_restores_the_computed_tier(world, scored):
    score, computed = scored.score, scored.computed_tier
    entry = services.override_tier(
        scored, by=world.east_mgr, tier="A", reason="Group strategic account", expected_override=""
    )
    scored.refresh_from_db()
    assert (scored.tier, scored.segment, scored.tier_override) == ("A", "key", "A")
    assert (scored.score, scored.computed_tier) == (score, computed)
    assert (entry.previous_tier, entry.computed_tier, entry.computed_score) == (computed, computed, score)
    # A recompute keeps the override on top of the new computed tier.
    scoring.rescore([scored.pk])
    scored.refresh_from_db()
    assert scored.tier == "A"
    services.override_tier(
        scored, by=world.east_mgr, tier="", reason="Back to the numbers", expected_override="A"
    )
    scored.refresh_from_db()
    assert (scored.tier, scored.tier_override, scored.score) == (computed, "", score)
    history = list(
        TierOverride.objects.filter(customer=scored).values_list("tier", "previous_tier", "reason")
    )
    assert history == [("", "A", "Back to the numbers"), ("A", computed, "Group strategic account")]


def test_stale_expected_override_is_refused(world, scored):
    services.override_tier(scored, by=world.east_mgr, tier="B", reason="First", expected_override="")
    with pytest.raises(ConflictError):
        services.override_tier(scored, by=world.director, tier="A", reason="Second", expected_override="")
    scored.refresh_from_db()
    assert scored.tier_override == "B"
    assert TierOverride.objects.filter(customer=scored).count() == 1


# --- Scoring model edits ----------------------------------------------------------------------------


@pytest.fixture
def admin(world):
    return world.admin


@pytest.fixture
def model(db):
    return ScoringModel.objects.get(is_active=True)


def test_only_an_administrator_edits_the_model(world, model):
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    for user in (world.east_rep, world.east_mgr, world.director):
        with pytest.raises(PermissionDenied):
            scoring_services.update_criterion(criterion, by=user, version=model.version, weight=D("9"))
    model.refresh_from_db()
    assert model.version == 1


def test_stale_model_version_is_a_conflict(admin, model):
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    scoring_services.update_criterion(criterion, by=admin, version=model.version, weight=D("9"))
    with pytest.raises(ConflictError):
        scoring_services.update_criterion(criterion, by=admin, version=model.version, name="Stale")
    criterion.refresh_from_db()
    assert (criterion.weight, criterion.name) == (D("9"), "产品信誉建立者")


def test_all_weights_zero_is_refused(admin, model):
    with pytest.raises(ValidationError):
        for criterion in ScoringCriterion.objects.filter(scoring_model=model):
            model.refresh_from_db()
            scoring_services.update_criterion(criterion, by=admin, version=model.version, is_active=False)
    # The last one was refused and rolled back: one active criterion remains.
    assert ScoringCriterion.objects.filter(scoring_model=model, is_active=True).count() == 1


def test_add_criterion_checks_kind_source_and_code(admin, model):
    with pytest.raises(ValidationError) as error:
        scoring_services.add_criterion(
            model, by=admin, version=model.version, code="x", name="X", kind="dynamic", weight=D("5")
        )
    assert "source" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        scoring_services.add_criterion(
            model,
            by=admin,
            version=model.version,
            code="brand_builder",
            name="X",
            kind="static",
            weight=D("5"),
        )
    assert "code" in error.value.message_dict
    model.refresh_from_db()
    assert model.version == 1  # refused edits leave no version bump behind
    criterion = scoring_services.add_criterion(
        model,
        by=admin,
        version=model.version,
        code="pipeline_again",
        name="在途",
        kind="dynamic",
        source=DynamicSource.OPEN_WEIGHTED_PIPELINE,
        weight=D("5"),
        bands=[BandInput(label="Any", points=D("100"), min_value=D("0"))],
    )
    assert criterion.position == 13
    assert list(criterion.bands.values_list("label", "min_value", "max_value", "points")) == [
        ("Any", D("0"), None, D("100"))
    ]


@pytest.mark.parametrize(
    ("bands", "error_key"),
    [
        ([], "bands"),
        ([BandInput(label="", points=D("10"))], "bands.0.label"),
        ([BandInput(label="Low", points=D("101"))], "bands.0.points"),
        ([BandInput(label="Low", points=None)], "bands.0.points"),
        ([BandInput(label="Bad", points=D("10"), min_value=D("5"), max_value=D("5"))], "bands.0.max_value"),
        (
            [
                BandInput(label="Low", points=D("0"), max_value=D("10")),
                BandInput(label="High", points=D("100"), min_value=D("9")),
            ],
            "bands.1.min_value",
        ),
        (
            [
                BandInput(label="All", points=D("50")),
                BandInput(label="High", points=D("100"), min_value=D("9")),
            ],
            "bands.1.min_value",
        ),
    ],
)
def test_dynamic_bands_are_checked(admin, model, bands, error_key):
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    with pytest.raises(ValidationError) as error:
        scoring_services.set_bands(criterion, bands, by=admin, version=model.version)
    assert error_key in error.value.message_dict
    assert criterion.bands.count() == 3


def test_every_band_inside_a_wide_one_is_reported(admin, model):
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    wide_then_two_inside = [
        BandInput(label="Wide", points=D("0"), max_value=D("100")),
        BandInput(label="In 1", points=D("50"), min_value=D("50"), max_value=D("60")),
        BandInput(label="In 2", points=D("70"), min_value=D("70"), max_value=D("80")),
        BandInput(label="After", points=D("100"), min_value=D("100")),
    ]
    with pytest.raises(ValidationError) as error:
        scoring_services.set_bands(criterion, wide_then_two_inside, by=admin, version=model.version)
    assert sorted(error.value.message_dict) == ["bands.1.min_value", "bands.2.min_value"]
    assert "“Wide”" in error.value.message_dict["bands.2.min_value"][0]


def test_adjacent_ranges_and_gaps_are_fine(admin, model):
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    scoring_services.set_bands(
        criterion,
        [
            BandInput(label="Up", points=D("100"), min_value=D("20")),
            BandInput(label="Flat", points=D("50"), min_value=D("0"), max_value=D("10")),
            BandInput(label="Down", points=D("0"), max_value=D("0")),
        ],
        by=admin,
        version=model.version,
    )
    assert list(criterion.bands.order_by("position").values_list("label", flat=True)) == [
        "Up",
        "Flat",
        "Down",
    ]


def test_static_bands_keep_customers_choices_and_refuse_deleting_a_chosen_one(world, admin, model):
    criterion = ScoringCriterion.objects.get(code="strategic_fit")
    high, medium, low = criterion.bands.order_by("position")
    services.set_static_value(world.east_customer, criterion, medium, by=world.east_rep)
    services.set_static_value(world.west_customer, criterion, medium, by=world.west_rep)
    keep_all = [
        BandInput(id=high.pk, label="极高", label_en="Very high", points=D("100")),
        BandInput(id=medium.pk, label="中", label_en="Medium", points=D("70")),
        BandInput(label="新", label_en="New", points=D("30")),
    ]
    with pytest.raises(ValidationError) as error:
        scoring_services.set_bands(criterion, keep_all[:1], by=admin, version=model.version)
    assert "2 customers" in error.value.message_dict["bands"][0]
    assert criterion.bands.count() == 3
    with pytest.raises(ValidationError) as error:
        scoring_services.set_bands(
            criterion,
            [BandInput(label="Range", points=D("1"), min_value=D("1"))],
            by=admin,
            version=model.version,
        )
    assert "bands.0.min_value" in error.value.message_dict
    scoring_services.set_bands(criterion, keep_all, by=admin, version=model.version)
    medium.refresh_from_db()
    assert (medium.points, medium.position) == (D("70"), 2)
    assert not ScoreBand.objects.filter(pk=low.pk).exists()  # nobody chose it: deleted without asking
    assert CustomerCriterionValue.objects.filter(band=medium).count() == 2
    model.refresh_from_db()
    scoring_services.set_bands(criterion, keep_all[:1], by=admin, version=model.version, confirm_delete=True)
    assert not CustomerCriterionValue.objects.filter(criterion=criterion).exists()


def test_band_ids_must_belong_to_the_criterion(admin, model):
    criterion = ScoringCriterion.objects.get(code="strategic_fit")
    foreign = ScoreBand.objects.filter(criterion__code="brand_builder").first()
    with pytest.raises(ValidationError) as error:
        scoring_services.set_bands(
            criterion,
            [BandInput(id=foreign.pk, label="Stolen", points=D("1"))],
            by=admin,
            version=model.version,
        )
    assert "bands.0.id" in error.value.message_dict
    foreign.refresh_from_db()
    assert foreign.label != "Stolen"


@pytest.mark.parametrize(
    ("scores", "error_key"),
    [
        (("75", "55", "55", "0"), "B.min_score"),  # B must need more than C
        (("50", "55", "35", "0"), "A.min_score"),
        (("101", "55", "35", "0"), "A.min_score"),
        (("75", "55", "35", "-1"), "D.min_score"),
    ],
)
def test_thresholds_must_decrease(admin, model, scores, error_key):
    inputs = [ThresholdInput(t, D(s), "general") for t, s in zip("ABCD", scores, strict=True)]
    with pytest.raises(ValidationError) as error:
        scoring_services.set_thresholds(model, inputs, by=admin, version=model.version)
    assert error_key in error.value.message_dict
    assert scoring.load_model().thresholds[0].min_score == D("75")


def test_missing_tier_is_refused(admin, model):
    with pytest.raises(ValidationError) as error:
        scoring_services.set_thresholds(
            model, [ThresholdInput("A", D("50"), "key")], by=admin, version=model.version
        )
    assert "B, C, D" in error.value.message_dict["thresholds"][0]


def test_new_thresholds_retier_customers(world, admin, model, django_capture_on_commit_callbacks):
    scoring.rescore(None)
    customer = world.east_customer
    customer.refresh_from_db()
    assert customer.tier == Tier.D
    inputs = [
        ThresholdInput("A", D("3"), "key"),
        ThresholdInput("B", D("2"), "important"),
        ThresholdInput("C", D("1"), "general"),
        ThresholdInput("D", D("0"), "general"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.set_thresholds(model, inputs, by=admin, version=model.version)
    customer.refresh_from_db()
    # 2.5 points from the open pipeline: tier B, "important", under the new thresholds.
    assert (customer.score, customer.tier, customer.segment) == (D("2.50"), Tier.B, "important")


# --- The background worker ---------------------------------------------------------------------------


def reseed_scoring_model() -> None:
    """Transactional tests flush the rows the migrations seeded; put the default model back."""
    if not ScoringModel.objects.exists():
        importlib.import_module("kam.customers.migrations.0004_default_scoring_model").seed(apps, None)


@pytest.mark.django_db(transaction=True)
def test_model_edit_runs_through_the_database_worker(settings):
    from django_tasks_db.models import DBTaskResult

    ensure_sales_processes()
    reseed_scoring_model()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    admin = UserFactory(username="worker_admin", role=Role.ADMIN)
    rep = UserFactory(username="worker_rep")
    judged = services.create_customer(by=rep, name="Judged")
    services.set_static_value(
        judged,
        ScoringCriterion.objects.get(code="brand_builder"),
        ScoreBand.objects.get(criterion__code="brand_builder", label_en="Strong"),
        by=rep,
    )
    unjudged = services.create_customer(by=rep, name="Unjudged")
    assert (judged.score, judged.tier, unjudged.score, unjudged.tier) == (
        D("5.00"),
        Tier.D,
        D("0.00"),
        Tier.D,
    )
    model = ScoringModel.objects.get(is_active=True)

    scoring_services.set_thresholds(
        model,
        [
            ThresholdInput("A", D("4"), "key"),
            ThresholdInput("B", D("2"), "important"),
            ThresholdInput("C", D("1"), "general"),
            ThresholdInput("D", D("0"), "general"),
        ],
        by=admin,
        version=model.version,
    )
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    judged.refresh_from_db()
    assert judged.tier == Tier.D  # not yet: the worker has not run

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    judged.refresh_from_db()
    unjudged.refresh_from_db()
    assert (judged.tier, judged.segment, judged.computed_tier) == (Tier.A, "key", Tier.A)
    assert unjudged.tier == Tier.D
