"""The rollups: counts and sums of opportunities by process × stage × status × owner × sign month ×
forecast category (the pipeline rollup), the same summed over sign months and categories (the stage
rollup), the forecast's figures by owner × sign month (the forecast rollup), and counts by process ×
owner × furthest stage reached (the funnel rollup), and the deals each deal-team member sees
without owning them (the team rollup).

Kept by the services in the same transaction as every write that moves an opportunity between its
cells (kam.opportunities.rollups); read by the pipeline totals, the board's column headers, the
forecast, the funnel and the weekly review's figures whenever their filter is expressible in these
dimensions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.opportunities.models.opportunity import ForecastCategory
from kam.opportunities.models.process import SalesProcess, Stage

# `sign_month` of an opportunity without an expected sign date (a month key is year × 100 + month).
NO_SIGN_MONTH = 0


class PipelineRollup(models.Model):
    """One cell: how many opportunities, and their expected amount in thousandths (exact integers on
    every database: an amount has 2 decimals, the middle of a range 3). The weighted amount is the
    expected amount × the stage's probability, so it is derived on read, per stage."""

    process = models.ForeignKey(SalesProcess, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sign_month = models.PositiveIntegerField(default=NO_SIGN_MONTH)
    # The opportunity's own category ("" = the stage's default).
    forecast_category = models.CharField(max_length=12, blank=True)
    count = models.IntegerField(default=0)
    amount_milli = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("pipeline rollup")
        verbose_name_plural = _("pipeline rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "stage", "status", "owner", "sign_month", "forecast_category"],
                name="pipeline_rollup_cell_unique",
            )
        ]
        indexes = [
            models.Index(fields=["status", "process", "stage"], name="pipeline_rollup_status_idx"),
            # The forecast's read: a status and a range of sign months, every column it sums in the
            # index (an index-only range read of a year's cells instead of every cell of the status).
            models.Index(
                fields=[
                    "status",
                    "sign_month",
                    "owner",
                    "stage",
                    "forecast_category",
                    "count",
                    "amount_milli",
                ],
                name="pipeline_rollup_month_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.status}/{self.owner_id}/{self.sign_month}: {self.count}"


# The forecast rollup's figures, in the order its rows and deltas hold them: the open amount of
# each forecast category last, in the categories' order.
FORECAST_FIGURES = (
    "open_count",
    "won_count",
    "open_milli",
    "won_milli",
    "weighted_milli_pct",
    *(f"{category}_milli" for category in ForecastCategory.values),
)


def quarter_of_month(month: int) -> int:
    """The quarter key of a sign month key (year × 100 + month → year × 10 + quarter)."""
    year, month_of_year = divmod(month, 100)
    return year * 10 + (month_of_year + 2) // 3


class ForecastRollup(models.Model):
    """Per owner and sign month, every figure the forecast shows of the open and won opportunities
    with a sign date: counts, amounts, the weighted amount (thousandths × the stage's probability in
    percent: exact integers) and the open amount by forecast category (the deal's own, else its
    stage's). One row holds what the pipeline rollup spreads over stages, statuses and categories:
    at a million opportunities a year is 4,600 rows instead of 31,000 cells joined to their stages.

    The weighted amount and the default categories come from the stages: a change of a stage's
    probability or category recomputes the rows from the pipeline rollup (kam.opportunities.rollups)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sign_month = models.PositiveIntegerField()
    open_count = models.IntegerField(default=0)
    won_count = models.IntegerField(default=0)
    open_milli = models.BigIntegerField(default=0)
    won_milli = models.BigIntegerField(default=0)
    weighted_milli_pct = models.BigIntegerField(default=0)
    commit_milli = models.BigIntegerField(default=0)
    best_case_milli = models.BigIntegerField(default=0)
    pipeline_milli = models.BigIntegerField(default=0)
    omitted_milli = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("forecast rollup")
        verbose_name_plural = _("forecast rollups")
        constraints = [
            # Month first: the forecast reads a range of months for every owner it shows.
            models.UniqueConstraint(fields=["sign_month", "owner"], name="forecast_rollup_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.sign_month}: {self.open_count} open, {self.won_count} won"


class StageRollup(models.Model):
    """The pipeline rollup summed over sign months and forecast categories: what the totals, the
    board's column headers, the funnel's open sums and the portfolio shape read when no sign period
    filters them. At a million opportunities the pipeline rollup has a quarter of a million cells
    (one per month a deal is due); this one a few thousand, so a director's totals add up a few
    thousand rows instead of every month's."""

    process = models.ForeignKey(SalesProcess, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(default=0)
    amount_milli = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stage rollup")
        verbose_name_plural = _("stage rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "stage", "status", "owner"], name="stage_rollup_cell_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "process", "stage"], name="stage_rollup_status_idx")]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.status}/{self.owner_id}: {self.count}"


class TeamRollup(models.Model):
    """The deals a user is on the deal team of without owning them, counted per member: user ×
    owner × stage × status × sign month. The other rollups count a deal once, under its owner; a
    rep (or a manager) also sees the deals of other owners they help on, and their totals and board
    headers add these cells (only those whose owner they do not already see) instead of reading
    the deals one by one. Kept by the same writes as the others, and by a change of a deal team."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)
    sign_month = models.PositiveIntegerField(default=NO_SIGN_MONTH)
    count = models.IntegerField(default=0)
    amount_milli = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("deal team rollup")
        verbose_name_plural = _("deal team rollups")
        constraints = [
            # User first: every read is one user's cells.
            models.UniqueConstraint(
                fields=["user", "owner", "stage", "status", "sign_month"], name="team_rollup_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.owner_id}/{self.stage_id}/{self.status}/{self.sign_month}: {self.count}"


class FunnelRollup(models.Model):
    """How many opportunities (of any status) reached each stage order, per process and owner: the
    funnel's conversion. Kept beside the pipeline rollup by the same writes (a move forward or a win
    raises the furthest stage reached; a move back leaves it)."""

    process = models.ForeignKey(SalesProcess, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    furthest_stage_order = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("funnel rollup")
        verbose_name_plural = _("funnel rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "owner", "furthest_stage_order"], name="funnel_rollup_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.process_id}/{self.owner_id}/{self.furthest_stage_order}: {self.count}"
