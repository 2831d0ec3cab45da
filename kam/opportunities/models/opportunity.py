"""An opportunity with its four elements (name, stage, amount, sign date), the competitors it meets, and its project number sequence."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.money import MONEY_DIGITS
from kam.core.periods import quarter_bounds, quarter_label
from kam.core.pinyin import PinyinKeyField
from kam.opportunities.models.process import Stage


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Calendar days from one moment to a later one in the local time zone (a move yesterday at
    23:00 is one day ago this morning), never negative."""
    return max((timezone.localdate(end) - timezone.localdate(start)).days, 0)


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DROPPED = "dropped", _("Dropped")


class ForecastCategory(models.TextChoices):
    COMMIT = "commit", _("Commit")
    BEST_CASE = "best_case", _("Best case")
    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    OMITTED = "omitted", _("Omitted")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


def period_end(value: dt.date, precision: str) -> dt.date:
    """The last day of the period a sign date stands for (month or quarter)."""
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    if precision == DatePrecision.QUARTER:
        return quarter_bounds(value.year, (value.month - 1) // 3 + 1)[1]
    return value


def sign_date_label(sign_date: dt.date | None, precision: str) -> str:
    """A sign date as precise as it was given: 2026 Q3, 2026-07 or 2026-07-15."""
    if sign_date is None:
        return ""
    if precision == DatePrecision.QUARTER:
        return quarter_label(sign_date)
    if precision == DatePrecision.MONTH:
        return sign_date.strftime("%Y-%m")
    return sign_date.isoformat()


class Opportunity(models.Model):
    project_number = models.CharField(_("project number"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # The name's pinyin and initials, for search (kam.core.pinyin).
    search_key = PinyinKeyField(sources=("name",))
    # No index of their own: the composite indexes led by each (opportunity_customer_idx,
    # opportunity_owner_idx, opportunity_funnel_idx) serve every lookup and join on them, and
    # each index is one more write per imported deal.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,
    )
    # The customer's name, kept with the deal (kam.customers.services.update_customer writes a
    # rename through) so that the customer sort walks an index of the open deals themselves. Walking
    # the customers' name index instead visits every customer, with open deals or without: at a
    # million deals, 45,000 customers without one before the first page (45 ms on PostgreSQL).
    customer_name = models.CharField(
        _("customer name"), max_length=200, blank=True, default="", editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        db_index=False,
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities", db_index=False
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), null=True, blank=True)
    # The highest stage order ever reached (moves back do not lower it): the funnel's conversion
    # reads this instead of scanning the whole stage history on every request.
    furthest_stage_order = models.PositiveSmallIntegerField(
        _("furthest stage reached"), default=0, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    amount = models.DecimalField(
        _("amount"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    amount_low = models.DecimalField(
        _("amount (low)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    amount_high = models.DecimalField(
        _("amount (high)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    # The expected amount (the amount, else the middle of the range) kept by the database itself,
    # so the pipeline's amount sort walks an index instead of sorting every row it may show.
    sort_amount = models.GeneratedField(
        # × 0.5, not / 2: SQLite divides two whole numbers as integers (a 3–4 range would sort as 3).
        expression=Coalesce(F("amount"), (F("amount_low") + F("amount_high")) * Value(Decimal("0.5"))),
        output_field=models.DecimalField(max_digits=MONEY_DIGITS + 1, decimal_places=3),
        db_persist=True,
    )
    # The worst stored health flag's severity (0 none … 3 critical), kept by kam.insights beside
    # the flags themselves, so "flagged only" and the severity sort are index reads.
    health_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    # The deal team's members who do not own the deal, ids ascending (OpportunityMember rows with
    # `is_owner` false), kept by kam.opportunities.rollups.track with the team rollup. On
    # PostgreSQL a GIN index over it (migration 0032) hands a rep the deals they are on the team of
    # as heap addresses: found through the member rows, each deal cost a primary key lookup.
    deal_team = models.JSONField(default=list, editable=False)
    sign_date = models.DateField(_("expected sign date"), null=True, blank=True)
    sign_date_precision = models.CharField(
        _("sign date precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    close_reason = models.TextField(_("close reason"), blank=True)
    # The reason from the administrators' list for the outcome; close_reason keeps the words.
    close_reason_choice = models.ForeignKey(
        "opportunities.CloseReason",
        verbose_name=_("reason from the list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    lessons = models.TextField(_("lessons"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_to = models.ForeignKey(
        Competitor,
        verbose_name=_("lost to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    gross_margin = models.DecimalField(
        _("estimated gross margin (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    expense_budget = models.DecimalField(
        _("sales expense budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    customer_lead = models.ForeignKey(
        "relationships.Contact",
        verbose_name=_("customer-side lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    initiated_at = models.DateField(_("initiation date"), null=True, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=12,
        choices=ForecastCategory.choices,
        blank=True,
        help_text=_("Empty: the stage's default."),
    )
    # The latest done activity on the deal (kept by kam.activities.services); the "no update"
    # health rule reads it.
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-id"]
        indexes = [
            # Ending in id: the owner, customer and stage sorts walk each one's deals in id order.
            models.Index(fields=["status", "stage", "id"], name="opportunity_stage_idx"),
            models.Index(fields=["owner", "status", "id"], name="opportunity_owner_idx"),
            models.Index(fields=["customer", "status", "id"], name="opportunity_customer_idx"),
            models.Index(fields=["status", "stage", "sign_date", "id"], name="opportunity_board_idx"),
            models.Index(fields=["stage", "furthest_stage_order"], name="opportunity_funnel_idx"),
            # One per sort the pipeline offers on its own columns, led by the status filter every
            # list applies, ending in id for the keyset (seek) pages.
            models.Index(fields=["status", "sort_amount", "id"], name="opportunity_amount_idx"),
            models.Index(fields=["status", "name", "id"], name="opportunity_name_idx"),
            models.Index(
                fields=["status", "customer_name", "customer", "id"], name="opportunity_customer_name_idx"
            ),
            models.Index(fields=["status", "project_number", "id"], name="opportunity_number_idx"),
            models.Index(fields=["status", "updated_at", "id"], name="opportunity_updated_idx"),
            # The "no activity for N days" health rule's nightly windows (kam.insights.health.store).
            models.Index(fields=["status", "last_touch_at", "created_at"], name="opportunity_touch_idx"),
            models.Index(fields=["status", "sign_date", "id"], name="opportunity_sign_idx"),
            models.Index(fields=["status", "health_rank", "id"], name="opportunity_health_idx"),
            # The optional keys, mostly empty, indexed where set: what a parent's deletion looks
            # up, without an index entry written for each deal that has none.
            models.Index(
                fields=["customer_lead"],
                condition=Q(customer_lead__isnull=False),
                name="opportunity_customer_lead_idx",
            ),
            models.Index(
                fields=["lost_to"], condition=Q(lost_to__isnull=False), name="opportunity_lost_to_idx"
            ),
            models.Index(
                fields=["close_reason_choice"],
                condition=Q(close_reason_choice__isnull=False),
                name="opportunity_close_reason_idx",
            ),
            # A rep's own deals under any of these sorts, read from this index alone (a few
            # thousand entries sorted in memory) instead of from the table row by row. On
            # PostgreSQL the text sorts' columns ride along (INCLUDE: not part of the key) so
            # those sorts are index-only too; SQLite makes the index without them (models.W040,
            # silenced in the settings).
            models.Index(
                fields=[
                    "owner",
                    "status",
                    "sort_amount",
                    "updated_at",
                    "sign_date",
                    "health_rank",
                    "stage_entered_at",
                    "id",
                ],
                include=["name", "project_number", "customer_name", "customer", "stage"],
                name="opportunity_owner_sort_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="opportunity_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_low__isnull=True)
                | Q(amount_high__isnull=True)
                | Q(amount_low__lte=models.F("amount_high")),
                name="opportunity_amount_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_number} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.customer_name and self.customer_id is not None:
            # The services and bulk writers set it from the customer in hand; this covers the rest.
            self.customer_name = self.customer.name
        super().save(*args, **kwargs)

    @property
    def has_amount(self) -> bool:
        return self.amount is not None or (self.amount_low is not None and self.amount_high is not None)

    @property
    def expected_amount(self) -> Decimal | None:
        """The single figure the forecast uses: the amount, else the middle of the range.

        Querysets annotate the same figure in SQL (selectors.EXPECTED_AMOUNT); the setter lets
        that annotation land on the instance.
        """
        if "_expected_amount" in self.__dict__:
            return self.__dict__["_expected_amount"]
        if self.amount is not None:
            return self.amount
        if self.amount_low is not None and self.amount_high is not None:
            return (self.amount_low + self.amount_high) / 2
        return None

    @expected_amount.setter
    def expected_amount(self, value: Decimal | None) -> None:
        self.__dict__["_expected_amount"] = value

    @property
    def missing_elements(self) -> list[str]:
        missing = []
        if not self.name:
            missing.append("name")
        if not self.has_amount:
            missing.append("amount")
        if self.sign_date is None:
            missing.append("sign_date")
        return missing

    @property
    def days_in_stage(self) -> int | None:
        """Whole days since the deal entered its current stage (the reader's calendar days), from
        the timestamp the stage services keep; None for a deal that never recorded one."""
        if self.stage_entered_at is None:
            return None
        return days_between(self.stage_entered_at, timezone.now())

    @property
    def is_complete(self) -> bool:
        return not self.missing_elements

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN

    @property
    def sign_date_display(self) -> str:
        return sign_date_label(self.sign_date, self.sign_date_precision)


class NumberSequence(models.Model):
    """Yearly counters for generated document numbers (XM-2026-0001)."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
