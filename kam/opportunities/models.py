from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.money import MONEY_DIGITS
from kam.core.periods import quarter_bounds, quarter_label
from kam.relationships.models import DecisionRole, Stance


class SalesProcess(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One stage of a sales process. Its rules (probability, gate, four-element strictness) are data."""

    process = models.ForeignKey(
        SalesProcess, verbose_name=_("sales process"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    key_node = models.CharField(_("key node"), max_length=100)
    key_node_en = models.CharField(_("key node (English)"), max_length=100, blank=True)
    requires_exact_amount = models.BooleanField(
        _("requires a single amount"),
        default=False,
        help_text=_("From this stage on an amount range is not enough."),
    )
    requires_exact_date = models.BooleanField(
        _("requires a day-precision sign date"),
        default=False,
        help_text=_("From this stage on a month or quarter is not enough."),
    )
    blocks_on_open_criteria = models.BooleanField(
        _("blocks on open exit criteria"),
        default=False,
        help_text=_("Refuse to leave this stage forward while exit criteria are open (otherwise only warn)."),
    )
    forecast_category = models.CharField(
        _("default forecast category"),
        max_length=12,
        choices=[
            ("commit", _("Commit")),
            ("best_case", _("Best case")),
            ("pipeline", pgettext_lazy("forecast category", "Pipeline")),
        ],
        default="pipeline",
        help_text=_("What an opportunity in this stage counts as unless its owner says otherwise."),
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["process_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "order"], name="stage_process_order_unique"),
            models.UniqueConstraint(fields=["process", "code"], name="stage_process_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def display_key_node(self) -> str:
        from django.utils.translation import get_language

        if self.key_node_en and (get_language() or "").startswith("en"):
            return self.key_node_en
        return self.key_node


class ExitCriterion(models.Model):
    """A checklist item of work a stage requires before it is left."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="exit_criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=200)
    text_en = models.CharField(_("English text"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exit criterion")
        verbose_name_plural = _("exit criteria")
        ordering = ["stage_id", "order", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        from django.utils.translation import get_language

        if self.text_en and (get_language() or "").startswith("en"):
            return self.text_en
        return self.text


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


class Opportunity(models.Model):
    project_number = models.CharField(_("project number"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
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
    sign_date = models.DateField(_("expected sign date"), null=True, blank=True)
    sign_date_precision = models.CharField(
        _("sign date precision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    close_reason = models.TextField(_("close reason"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_to = models.ForeignKey(
        Competitor,
        verbose_name=_("lost to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
    )
    initiated_at = models.DateField(_("initiation date"), null=True, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=12,
        choices=ForecastCategory.choices,
        blank=True,
        help_text=_("Empty: the stage's default."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "stage"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["sign_date"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "stage", "sign_date", "id"], name="opportunity_board_idx"),
            models.Index(fields=["stage", "furthest_stage_order"], name="opportunity_funnel_idx"),
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
    def is_complete(self) -> bool:
        return not self.missing_elements

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN

    @property
    def sign_date_display(self) -> str:
        if self.sign_date is None:
            return ""
        if self.sign_date_precision == DatePrecision.QUARTER:
            return quarter_label(self.sign_date)
        if self.sign_date_precision == DatePrecision.MONTH:
            return self.sign_date.strftime("%Y-%m")
        return self.sign_date.isoformat()


class StageChange(models.Model):
    """Append-only stage history: the source of time-in-stage, conversion and cycle length."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "changed_at", "id"], name="stagechange_history_idx")]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"

    @property
    def is_backward(self) -> bool:
        return self.from_stage is not None and self.to_stage.order < self.from_stage.order


class OpportunityChange(models.Model):
    """Append-only history of edits to an opportunity (amount, sign date, close …)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "field"], name="opportunitychange_field_idx")]
        verbose_name = _("opportunity change")
        verbose_name_plural = _("opportunity changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"

    def _model_field(self) -> Any:
        try:
            return Opportunity._meta.get_field(self.field)
        except FieldDoesNotExist:  # a row of a field that no longer exists keeps its raw name
            return None

    @property
    def label(self) -> str:
        """The field's name in the reader's language."""
        field = self._model_field()
        return str(getattr(field, "verbose_name", self.field)) if field is not None else self.field

    def _shown(self, value: str) -> str:
        # Choices are stored as their codes (the API's values); people read their labels.
        field = self._model_field()
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return value

    @property
    def old_shown(self) -> str:
        return self._shown(self.old_value)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new_value)


class CriterionCheck(models.Model):
    """An exit criterion ticked off for one opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="criterion_checks")
    criterion = models.ForeignKey(ExitCriterion, on_delete=models.CASCADE, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "criterion"], name="criterion_check_unique")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.criterion_id}"


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    MEMBER = "member", _("Member")
    MONITOR = "monitor", _("Monitor")
    SPONSOR = "sponsor", _("Executive sponsor")


class OpportunityMember(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="deal_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    part = models.CharField(_("part"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deal team member")
        verbose_name_plural = _("deal team")
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="member_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"


class OpportunityContact(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey(
        "relationships.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="opportunity_roles",
    )
    decision_role = models.CharField(_("decision role"), max_length=20, choices=DecisionRole.choices)
    stance = models.CharField(_("stance"), max_length=1, choices=Stance.choices, default=Stance.NEUTRAL)

    class Meta:
        verbose_name = _("decision-chain contact")
        verbose_name_plural = _("decision chain")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact", "decision_role"], name="opportunity_contact_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.decision_role}, {self.stance})"


class OpportunityCompetitor(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="competitor_entries")
    competitor = models.ForeignKey(
        Competitor, verbose_name=_("competitor"), on_delete=models.PROTECT, related_name="entries"
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("competitor entry")
        verbose_name_plural = _("competitor entries")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "competitor"], name="opportunity_competitor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.competitor_id}"


class NumberSequence(models.Model):
    """Yearly counters for generated document numbers (XM-2026-0001)."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
