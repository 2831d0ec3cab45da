"""The scoring writes: tier overrides and scoring model edits (criteria, bands, thresholds)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError
from kam.customers.models import (
    CustomerCriterionValue,
    DynamicSource,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    Tier,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring.services import BandInput, ThresholdInput

D = Decimal

# --- Tier overrides ----------------------------------------------------------------------------------


@pytest.fixture
def scored(world):
    customer = world.east_customer
    scoring.rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def test_rep_may_not_override(world, scored):
    with pytest.raises(PermissionDenied):
        scoring_services.override_tier(
            scored, by=world.east_rep, tier="A", reason="Big", expected_override=""
        )
    assert not TierOverride.objects.exists()


def test_override_needs_a_reason(world, scored):
    with pytest.raises(ValidationError) as error:
        scoring_services.override_tier(scored, by=world.east_mgr, tier="A", reason="  ", expected_override="")
    assert "reason" in error.value.message_dict
    scored.refresh_from_db()
    assert scored.tier_override == ""


def test_override_keeps_the_score_and_removal_restores_the_computed_tier(world, scored):
    score, computed = scored.score, scored.computed_tier
    entry = scoring_services.override_tier(
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
    scoring_services.override_tier(
        scored, by=world.east_mgr, tier="", reason="Back to the numbers", expected_override="A"
    )
    scored.refresh_from_db()
    assert (scored.tier, scored.tier_override, scored.score) == (computed, "", score)
    history = list(
        TierOverride.objects.filter(customer=scored).values_list("tier", "previous_tier", "reason")
    )
    assert history == [("", "A", "Back to the numbers"), ("A", computed, "Group strategic account")]


def test_stale_expected_override_is_refused(world, scored):
    scoring_services.override_tier(scored, by=world.east_mgr, tier="B", reason="First", expected_override="")
    with pytest.raises(ConflictError):
        scoring_services.override_tier(
            scored, by=world.director, tier="A", reason="Second", expected_override=""
        )
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
    scoring_services.set_static_value(world.east_customer, criterion, medium, by=world.east_rep)
    scoring_services.set_static_value(world.west_customer, criterion, medium, by=world.west_rep)
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
