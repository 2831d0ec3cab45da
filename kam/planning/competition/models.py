"""Competitors: the directory's own details, the analysis grid of a deal (us against each of its
competitors on dimensions that are data), the competitors' supporters in a decision chain, and the
append-only history of all of it.

The competitor itself (its name, its notes, which deals it is on, which deal was lost to it) is
kam.opportunities' record; this app adds what the strategy tool needs around it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english

SCORE_MIN = 1
SCORE_MAX = 5


class CompetitorProfile(models.Model):
    """What the directory knows of a competitor beyond its name, and the version its edits check."""

    competitor = models.OneToOneField(
        "opportunities.Competitor", on_delete=models.CASCADE, related_name="profile"
    )
    website = models.URLField(_("website"), max_length=200, blank=True)
    headquarters = models.CharField(_("headquarters"), max_length=100, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("competitor profile")
        verbose_name_plural = _("competitor profiles")

    def __str__(self) -> str:
        return str(self.competitor_id)


class Dimension(models.Model):
    """One row of the competitor analysis grid (market position, share, …): administrators' data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competitor analysis dimension")
        verbose_name_plural = _("competitor analysis dimensions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class CompetitorGrid(models.Model):
    """A deal's competitor analysis grid as one edited record: the version every cell write checks."""

    opportunity = models.OneToOneField(
        "opportunities.Opportunity", on_delete=models.CASCADE, related_name="competitor_grid"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("competitor analysis grid")
        verbose_name_plural = _("competitor analysis grids")

    def __str__(self) -> str:
        return str(self.opportunity_id)


class GridCell(models.Model):
    """One cell: a side (us when `competitor` is empty, else that competitor) on one dimension."""

    grid = models.ForeignKey(CompetitorGrid, on_delete=models.CASCADE, related_name="cells")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    competitor = models.ForeignKey(
        "opportunities.Competitor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("competitor analysis cell")
        verbose_name_plural = _("competitor analysis cells")
        constraints = [
            # NULL never equals NULL in a unique index: our own side needs its own constraint.
            models.UniqueConstraint(
                fields=["grid", "dimension"], condition=Q(competitor__isnull=True), name="grid_cell_us_unique"
            ),
            models.UniqueConstraint(
                fields=["grid", "dimension", "competitor"],
                condition=Q(competitor__isnull=False),
                name="grid_cell_competitor_unique",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="grid_cell_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.dimension_id}/{self.competitor_id or 'us'}: {self.score}"


class CompetitorSupporter(models.Model):
    """A contact of a deal's decision chain who supports a competitor (one competitor per contact)."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.CASCADE, related_name="competitor_supporters"
    )
    competitor = models.ForeignKey(
        "opportunities.Competitor", verbose_name=_("competitor"), on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "relationships.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("competitor supporter")
        verbose_name_plural = _("competitor supporters")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="competitor_supporter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.competitor_id}"


class CompetitionChange(models.Model):
    """Append-only history of the competition tool: it outlives the deal and the competitor it names."""

    class Action(models.TextChoices):
        COMPETITOR_CREATED = "competitor_created", _("Competitor created")
        COMPETITOR_EDITED = "competitor_edited", _("Competitor edited")
        ADDED_TO_DEAL = "added_to_deal", _("Competitor added to the deal")
        GRID_EDITED = "grid_edited", _("Grid edited")
        SUPPORTER_MARKED = "supporter_marked", _("Supporter marked")
        SUPPORTER_REMOVED = "supporter_removed", _("Supporter mark removed")

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    competitor = models.ForeignKey(
        "opportunities.Competitor",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    subject_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=20, choices=Action.choices)
    summary = models.CharField(max_length=500, blank=True)
    summary_en = models.CharField(max_length=500, blank=True)
    # {field: [before, after]}; a grid edit keys its cells as "<dimension code>/<competitor id or us>".
    changes = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("competition change")
        verbose_name_plural = _("competition changes")
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="competition_change_opp_idx"),
            models.Index(fields=["competitor", "changed_at"], name="competition_change_comp_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_label}"

    @property
    def display_summary(self) -> str:
        if self.summary_en and in_english():
            return self.summary_en
        return self.summary
