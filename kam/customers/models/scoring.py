"""The scoring model an administrator edits (criteria, bands, tier thresholds) and each customer's computed score, static values and tier overrides."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS
from kam.customers.models.customer import BilingualName, Customer, Segment, Tier, in_english


class CriterionKind(models.TextChoices):
    STATIC = "static", _("Static (set by hand)")
    DYNAMIC = "dynamic", _("Dynamic (computed from data)")


class DynamicSource(models.TextChoices):
    """What a dynamic criterion measures; each is one SQL aggregate in kam.customers.scoring.engine."""

    YEARS_AS_CUSTOMER = "years_as_customer", _("Years as a customer")
    WON_AMOUNT_12M = "won_amount_12m", _("Won amount, last 12 months")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet (%)")
    GROSS_PROFIT_12M = "gross_profit_12m", _("Gross profit, last 12 months")
    OPEN_WEIGHTED_PIPELINE = "open_weighted_pipeline", _("Open weighted pipeline")
    GROWTH_YOY = "growth_yoy", _("Growth year on year (%)")
    # The latest satisfaction survey's level and the churn risk it carries (kept on the customer's
    # care row by kam.delivery).
    SATISFACTION = "satisfaction", _("Satisfaction (1–5)")
    CHURN_RISK = "churn_risk", _("Churn risk (%)")


class ScoringModel(BilingualName):
    """The weighted scoring model; exactly one is active and decides every customer's tier."""

    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_scoring_model"
            )
        ]


class TierThreshold(models.Model):
    """Total score from which a tier starts, and the segment that tier belongs to."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="thresholds")
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    min_score = models.DecimalField(
        _("minimum score"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)

    class Meta:
        verbose_name = _("tier threshold")
        verbose_name_plural = _("tier thresholds")
        ordering = ["scoring_model", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["scoring_model", "tier"], name="one_threshold_per_tier")
        ]

    def __str__(self) -> str:
        return f"{self.tier} ≥ {self.min_score}"


class ScoringCriterion(BilingualName):
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=CriterionKind.choices)
    source = models.CharField(_("computed from"), max_length=30, choices=DynamicSource.choices, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Relative weight; the total score divides by the sum of the weights, so it stays 0–100."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["scoring_model", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scoring_model", "code"], name="unique_criterion_code"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="static", source="") | (models.Q(kind="dynamic") & ~models.Q(source=""))
                ),
                name="criterion_source_matches_kind",
            ),
        ]


class ScoreBand(models.Model):
    """One band of a criterion: a choice (static) or a value range [min, max) (dynamic) → points."""

    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    min_value = models.DecimalField(
        _("from (inclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("to (exclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("score band")
        verbose_name_plural = _("score bands")
        ordering = ["criterion", "position", "id"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_en and in_english():
            return self.label_en
        return self.label

    def contains(self, value: Decimal) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return not (self.max_value is not None and value >= self.max_value)


class CustomerCriterionValue(models.Model):
    """The band chosen by hand for a static criterion on one customer (the current value)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="criterion_values")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="customer_values")
    band = models.ForeignKey(ScoreBand, on_delete=models.CASCADE, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("static criterion value")
        verbose_name_plural = _("static criterion values")
        constraints = [
            models.UniqueConstraint(fields=["customer", "criterion"], name="one_value_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.criterion_id} = {self.band_id}"


class BreakdownField(models.JSONField):
    """A JSONField written with plain VALUES placeholders.

    Django 5.2 bulk-inserts on PostgreSQL through UNNEST(arrays) unless a field defines
    get_placeholder; psycopg then escapes every quote of every JSON document in Python, which made
    a 50k-customer rescore spend 14 s of its 23 s there. Any field with get_placeholder opts out.
    """

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"

    def deconstruct(self) -> tuple:
        # Migrations name the field by the path it is imported from (kam.customers.models), which
        # stays the same whichever module of the package defines it.
        name, _path, args, kwargs = super().deconstruct()
        return name, "kam.customers.models.BreakdownField", args, kwargs


class CustomerScore(models.Model):
    """The computed score of one customer with its breakdown (written only by kam.customers.scoring.engine).

    `breakdown` is a list, one entry per criterion: code, name, name_en, kind, weight, input,
    band, band_en, points, contribution, next_band, next_band_en, next_gain.
    """

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="score_detail")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    # The model's version when this score was computed: an edit bumps the version, so a score older
    # than the model is known to be waiting for its recompute.
    model_version = models.PositiveIntegerField(_("scoring model version"), default=0)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    breakdown = BreakdownField(default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.total} ({self.tier})"


class TierOverride(models.Model):
    """Append-only: a manager set (or, with an empty tier, removed) a tier override, and why."""

    # History outlives its customer: no database constraint, the rows keep the customer's id.
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="tier_overrides"
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    previous_tier = models.CharField(_("previous tier"), max_length=1, choices=Tier.choices, blank=True)
    computed_tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices, blank=True)
    computed_score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier or '—'}"
