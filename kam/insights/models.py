"""Pipeline health rules, portfolio thresholds and pipeline snapshots (the read side's data)."""

from __future__ import annotations

import datetime as dt

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
        return self.label(self.name, self.name_en)

    @staticmethod
    def label(name: str, name_en: str) -> str:
        """The name in the reader's language (also for names read as plain values)."""
        if name_en and (get_language() or "").startswith("en"):
            return name_en
        return name


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


class StoredFlag(models.Model):
    """One health flag raised on an open opportunity, as the last recompute found it.

    Kept by kam.insights.health.store: the services' writes recompute the opportunities they touch,
    a nightly pass the ones a date threshold crossed, a rescan all of them. The Health page counts
    and lists these rows, and the pipeline reads `Opportunity.health_rank` (the worst stored
    severity); only the recompute and `kam health verify` run the rules. `facts` are what the
    explanation says (JSON), so it is written when read, in the reader's language."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.CASCADE, related_name="stored_flags"
    )
    rule = models.ForeignKey(HealthRule, on_delete=models.CASCADE, related_name="stored_flags")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    rank = models.PositiveSmallIntegerField()
    facts = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised at"))

    class Meta:
        verbose_name = _("health flag")
        verbose_name_plural = _("health flags")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "rule"], name="stored_flag_unique"),
        ]
        # Counts per rule read this index alone; a page's flags come by opportunity (the unique one).
        indexes = [models.Index(fields=["rule", "opportunity"], name="stored_flag_rule_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.rule_id} ({self.severity})"


# Stands in for a missing sign date in the Health list's order (after every real date), so one
# index serves the order; a NULLS LAST sort could not use it on SQLite.
NO_SIGN_DATE = dt.date(9999, 12, 31)


class FlaggedOpportunity(models.Model):
    """One row per open opportunity with at least one stored flag: its worst severity, owner and
    sign date, kept with the flags. The Health page counts by owner and lists worst first from
    these rows' indexes, joining only the page's opportunities."""

    opportunity = models.OneToOneField(
        "opportunities.Opportunity", primary_key=True, on_delete=models.CASCADE, related_name="health"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    sort_date = models.DateField()  # the sign date; NO_SIGN_DATE when there is none

    class Meta:
        verbose_name = _("flagged opportunity")
        verbose_name_plural = _("flagged opportunities")
        indexes = [
            models.Index(fields=["-rank", "sort_date", "opportunity"], name="flagged_list_idx"),
            models.Index(fields=["owner", "rank"], name="flagged_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.rank}"


class HealthTally(models.Model):
    """Counts kept with the stored flags, per owner: of flagged opportunities by their worst rank
    (`rule` 0) and of flags by rule (`rule` the HealthRule id, `rank` its severity's). The Health
    page's counts for a director read these few rows instead of aggregating every flag."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.PositiveIntegerField(default=0)
    rank = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("health count")
        verbose_name_plural = _("health counts")
        constraints = [
            models.UniqueConstraint(fields=["owner", "rule", "rank"], name="health_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} · {self.rule} · {self.rank}: {self.count}"


class HealthScan(models.Model):
    """One run of the full rescan or of the nightly pass, with its progress (the Health page
    polls it). A finished run's `as_of` is the moment its flags hold for: the next nightly pass
    looks for the thresholds crossed since then."""

    class Kind(models.TextChoices):
        RESCAN = "rescan", _("Full rescan")
        NIGHTLY = "nightly", _("Nightly pass")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RESCAN)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("health scan")
        verbose_name_plural = _("health scans")
        indexes = [models.Index(fields=["kind", "state", "as_of"], name="health_scan_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}: {self.state} {self.processed}/{self.total}"

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else (100 if self.state == "done" else 0)
