"""Account plans (客户规划, DOMAIN.md §9): for the few most important customers, a plan per year
with the sections of §9, an OGSM cascade (objective → goals → strategies → measures → monthly
actions), and a rolling cycle of reviews whose cadence is set per segment.

A plan is written as a draft, submitted to the approvals `account-plan` flow, active once
approved, and closed at the end of its year. Every content save keeps a revision (a snapshot of
the sections) and every write a line of history."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.activities.models import Activity
from kam.core.money import MONEY_DIGITS
from kam.customers.models import Customer, Segment
from kam.org.models import User
from kam.planning.approvals.models import ApprovalRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
FORECAST_YEARS = 5  # the five-year financial forecast of §9


def _money(label: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        **kwargs,
    )


class ReviewCadence(models.Model):
    """How often a segment's plans are reviewed (data: key quarterly, important yearly, the rest in
    one collective yearly review). A collective review is held in `collective_month` for all plans
    of the segment at once; the others fall due `interval_months` after the last review."""

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, unique=True)
    interval_months = models.PositiveSmallIntegerField(
        _("months between reviews"), validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    collective = models.BooleanField(_("one collective review"), default=False)
    collective_month = models.PositiveSmallIntegerField(
        _("month of the collective review"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind the owner this many days before"), default=14
    )

    class Meta:
        verbose_name = _("review cadence")
        verbose_name_plural = _("review cadences")
        ordering = ["segment"]

    def __str__(self) -> str:
        return f"{self.get_segment_display()}: {self.interval_months}"


class PlanningCycle(models.Model):
    """Management's timetable for a year's planning round (§9): preparation, drafting (8–12 weeks),
    review and adjustment by senior management, then implementation and monitoring."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    expectations = models.TextField(_("management's expectations"), blank=True)
    preparation_starts = models.DateField(_("preparation starts"))
    drafting_starts = models.DateField(_("drafting starts"))
    drafting_ends = models.DateField(_("drafting ends"))
    review_by = models.DateField(_("reviewed by"))
    implementation_starts = models.DateField(_("implementation starts"))
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("planning cycle")
        verbose_name_plural = _("planning cycles")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preparation_starts__lte=models.F("drafting_starts"))
                & Q(drafting_starts__lte=models.F("drafting_ends"))
                & Q(drafting_ends__lte=models.F("review_by"))
                & Q(review_by__lte=models.F("implementation_starts")),
                name="planning_cycle_phases_in_order",
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class AccountPlan(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="account_plans"
    )
    # A plan for a customer group reads its actuals from the customer and its subsidiaries.
    covers_group = models.BooleanField(_("covers the customer group"), default=False)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="account_plans"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )

    # The sections of §9.
    executive_summary = models.TextField(_("executive summary"), blank=True)
    strategic_choices = models.TextField(_("strategic choices"), blank=True)
    business_risks = models.TextField(_("business risks"), blank=True)
    customer_objectives = models.TextField(_("customer objectives"), blank=True)
    revenue_target = _money(_("revenue target"))
    contribution_target = _money(_("contribution target"))
    cost_to_serve = _money(_("cost to serve"))
    # The customer's total demand of our category this year (defaults to the customer's annual
    # purchases of the category) and the share of it we aim for.
    total_demand = _money(_("customer's total demand"))
    target_share = models.DecimalField(
        _("target share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    action_plan_year = models.TextField(_("action plan: this year in detail"), blank=True)
    action_plan_outline = models.TextField(_("action plan: five-year outline"), blank=True)
    resources = models.TextField(_("resources"), blank=True)
    budget = _money(_("budget"))

    approval = models.ForeignKey(
        ApprovalRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    rejection_comment = models.TextField(_("rejection comment"), blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    activated_at = models.DateTimeField(_("active since"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # Kept by the review services so "reviews due" is an indexed filter, not a computation per plan.
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True, editable=False)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True, editable=False)

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-year", "customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="account_plan_one_per_customer_year")
        ]
        indexes = [
            models.Index(fields=["status", "next_review_due"], name="account_plan_review_due_idx"),
            models.Index(fields=["owner", "year"], name="account_plan_owner_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("planning_accountplans:detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        """Sections are written in draft (and after a rejection, which returns the plan to draft);
        an active plan changes through its reviews and its OGSM, not by rewriting the sections."""
        return self.status == PlanStatus.DRAFT


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Account lead")
    SPONSOR = "sponsor", _("Executive sponsor")
    SALES = "sales", _("Sales")
    SOLUTION = "solution", _("Technical solution")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class PlanMember(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.SALES)
    responsibility = models.CharField(_("responsibility"), max_length=300, blank=True)
    time_share = models.DecimalField(
        _("share of time (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )

    class Meta:
        verbose_name = _("plan member")
        verbose_name_plural = _("plan members")
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="plan_member_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PlanShare(models.Model):
    """Our share of the customer by product line and region against the customer's demand there."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="shares")
    product_line = models.CharField(_("product line"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    customer_demand = _money(_("customer's demand"))
    our_revenue = _money(_("our revenue"))
    target_share = models.DecimalField(
        _("target share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("share by product line and region")
        verbose_name_plural = _("shares by product line and region")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "product_line", "region"], name="plan_share_line_region_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_line} {self.region}".strip()

    @property
    def share(self) -> Decimal | None:
        if not self.customer_demand or self.our_revenue is None:
            return None
        return (self.our_revenue * 100 / self.customer_demand).quantize(Decimal("0.1"))


class PlanForecastYear(models.Model):
    """A row of the five-year financial forecast."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="forecast_years")
    year = models.PositiveSmallIntegerField(_("year"))
    revenue = _money(_("revenue"))
    contribution = _money(_("contribution"))
    cost_to_serve = _money(_("cost to serve"))
    share = models.DecimalField(
        _("share of the customer (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )

    class Meta:
        verbose_name = _("forecast year")
        verbose_name_plural = _("forecast years")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="plan_forecast_year_once")]

    def __str__(self) -> str:
        return str(self.year)


# OGSM: objective → goals → strategies → measures → monthly actions.


class PlanObjective(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(_("objective"), max_length=500)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class GoalMetric(models.TextChoices):
    """Where a goal's actual comes from: kam's own data where it has one, else entered by hand."""

    MANUAL = "manual", _("Entered by hand")
    WON_REVENUE = "won_revenue", _("Won revenue this year")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet (%)")
    WEIGHTED_PIPELINE = "weighted_pipeline", _("Open weighted pipeline")
    KEY_PEOPLE_COVERAGE = "key_people_coverage", _("Key people covered (%)")
    VISITS = "visits", _("Visits this year")
    SATISFACTION = "satisfaction", _("Customer satisfaction")


class PlanGoal(models.Model):
    objective = models.ForeignKey(PlanObjective, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=500)
    metric = models.CharField(
        _("measured by"), max_length=20, choices=GoalMetric.choices, default=GoalMetric.MANUAL
    )
    target = models.DecimalField(
        _("target"), max_digits=MONEY_DIGITS, decimal_places=2, validators=NON_NEGATIVE
    )
    # The actual for a goal kam cannot measure itself (and satisfaction until delivery records it).
    manual_actual = models.DecimalField(
        _("actual"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    due_date = models.DateField(_("due by"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class PlanStrategy(models.Model):
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="strategies")
    text = models.CharField(_("strategy"), max_length=500)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class PlanMeasure(models.Model):
    strategy = models.ForeignKey(PlanStrategy, on_delete=models.CASCADE, related_name="measures")
    text = models.CharField(_("measure"), max_length=500)
    target = models.CharField(_("progress measure"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlanAction(models.Model):
    """A monthly action with an owner and a due date; it may be carried out as an activity."""

    measure = models.ForeignKey(PlanMeasure, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_actions",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="plan_action_owner_due_idx")]

    def __str__(self) -> str:
        return self.text


class ReviewKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled review")
    COLLECTIVE = "collective", _("Collective review")
    AD_HOC = "ad_hoc", _("Ad hoc review")


class PlanReview(models.Model):
    """A review held (append-only): its conclusions and the changes it decided."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(_("held on"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=ReviewKind.choices, default=ReviewKind.SCHEDULED
    )
    conclusions = models.TextField(_("conclusions"))
    changes = models.TextField(_("changes decided"), blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    participants = models.ManyToManyField(User, verbose_name=_("participants"), blank=True, related_name="+")
    next_due = models.DateField(_("next review due"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.held_on}"


class PlanRevision(models.Model):
    """A snapshot of the plan's sections, kept at each save of them, at submission and at approval."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    snapshot = models.JSONField(default=dict)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_revision_number_once")]

    def __str__(self) -> str:
        return f"{self.plan} r{self.number}"


class PlanChangeAction(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    CLOSED = "closed", _("closed")
    REVIEWED = "reviewed", _("reviewed")
    OGSM = "ogsm", _("OGSM changed")


class PlanChange(models.Model):
    """Append-only history of a plan: every write with who, when and what it changed."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("action"), max_length=10, choices=PlanChangeAction.choices)
    changed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # {field: [old, new]} for an edit; the comment of a decision; the review's id.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"
