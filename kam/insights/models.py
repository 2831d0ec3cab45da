"""Pipeline health rules, portfolio thresholds and pipeline snapshots (the read side's data)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    WARN = "warn", _("Warning")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {Severity.INFO: 1, Severity.WARN: 2, Severity.CRITICAL: 3}


class HealthRule(models.Model):
    """One health rule's switch, severity and thresholds; the check itself is code registered
    under `code` (kam.insights.health.engine), so adding a rule is one function plus one row."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARN)
    thresholds = models.JSONField(_("thresholds"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("health rule")
        verbose_name_plural = _("health rules")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class PortfolioPolicy(models.Model):
    """Thresholds of the portfolio-shape diagnosis, one row an administrator edits."""

    early_max_order = models.PositiveSmallIntegerField(
        _("early stages: up to stage order"), default=2, help_text=_("P0–P2 by default (orders 0–2).")
    )
    late_min_order = models.PositiveSmallIntegerField(
        _("late stages: from stage order"), default=4, help_text=_("P4 on by default (order 4).")
    )
    min_share = models.PositiveSmallIntegerField(
        _("minimum share of early or late opportunities (%)"),
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    min_open = models.PositiveSmallIntegerField(
        _("minimum open opportunities"), default=5, help_text=_("Fewer than this reads as few and unstable.")
    )

    class Meta:
        verbose_name = _("portfolio settings")
        verbose_name_plural = _("portfolio settings")

    def __str__(self) -> str:
        return str(_("Portfolio settings"))

    @classmethod
    def current(cls) -> PortfolioPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class Snapshot(models.Model):
    """The state of every open opportunity at one moment: the weekly meeting compares two."""

    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pipeline snapshot")
        verbose_name_plural = _("pipeline snapshots")
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}"


class SnapshotRow(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", null=True, on_delete=models.SET_NULL, related_name="snapshot_rows"
    )
    project_number = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("org.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("customers.Customer", null=True, on_delete=models.SET_NULL, related_name="+")
    stage = models.ForeignKey("opportunities.Stage", null=True, on_delete=models.SET_NULL, related_name="+")
    stage_order = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, null=True)
    sign_date = models.DateField(null=True)
    forecast_category = models.CharField(max_length=12, blank=True)
    product_line = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "opportunity"], name="snapshot_row_unique"),
        ]
        indexes = [models.Index(fields=["snapshot", "sign_date"])]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.project_number}"


class StageNorm(models.Model):
    """How long a stay in a stage usually lasts, per team (team null: company-wide), from the
    stage history. Recomputed by `kam refresh_norms` (and with every snapshot), so the health
    scan reads a few hundred rows instead of the whole history."""

    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("opportunities.Stage", on_delete=models.CASCADE, related_name="+")
    percentile = models.PositiveSmallIntegerField()
    seconds = models.PositiveBigIntegerField()
    samples = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stage norm")
        verbose_name_plural = _("stage norms")
        constraints = [
            models.UniqueConstraint(fields=["team", "stage", "percentile"], name="stage_norm_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or '*'} · {self.stage_id}: {self.seconds} s"
