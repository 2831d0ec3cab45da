"""Activities (拜访 / 活动), weekly and monthly plans, visit policy by tier, selling capacity and the
1×5 quantified actions (DOMAIN.md §10)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.customers.models import BilingualName, Customer, Segment, Tier
from kam.opportunities.models import Opportunity
from kam.relationships.models import Contact, DecisionRole


class TimeCategory(models.TextChoices):
    """Where an hour goes (DOMAIN.md §10): the first three produce revenue, the rest do not."""

    SELLING = "selling", _("Face-to-face selling")
    PLANNING = "planning", _("Account planning")
    PROPOSAL = "proposal", _("Proposals and bids")
    TRAVEL = "travel", _("Travel and waiting")
    ADMIN = "admin", _("Administration")
    REPORTING = "reporting", _("Reports")
    PROBLEM = "problem", _("Problem fixing")
    INTERNAL = "internal", _("Internal meetings")


REVENUE_PRODUCING = frozenset({TimeCategory.SELLING, TimeCategory.PLANNING, TimeCategory.PROPOSAL})


class ActivityKind(BilingualName):
    """A kind of activity is data: an administrator adds kinds and sets their time category."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    time_category = models.CharField(_("time category"), max_length=20, choices=TimeCategory.choices)
    # Kinds that meet the customer's people count towards the visit policy.
    counts_as_visit = models.BooleanField(_("counts as a visit"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")

    @property
    def revenue_producing(self) -> bool:
        return self.time_category in REVENUE_PRODUCING


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    kind = models.ForeignKey(ActivityKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.DONE
    )
    start = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    # The person who leads it and whose time it is; `our_people` are everyone of ours who took part.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="activities"
    )
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our people"), blank=True, related_name="activities_joined"
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), blank=True, related_name="activities"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="activities"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    plan = models.ForeignKey(
        "Plan",
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # When a planned activity was moved, the start it was first planned for (plan against actual).
    planned_start = models.DateTimeField(_("first planned for"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["owner", "start"], name="activity_owner_start_idx"),
            models.Index(fields=["customer", "start"], name="activity_customer_start_idx"),
            models.Index(fields=["opportunity", "start"], name="activity_opportunity_start_idx"),
            models.Index(fields=["start", "id"], name="activity_start_idx"),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def hours(self) -> Decimal:
        return Decimal(self.duration_minutes) / 60


class ActivityChange(models.Model):
    """Append-only history of an activity: created, edited, deleted (it outlives the activity)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted")

    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # {field: [before, after]} for edits; the whole record for a deletion.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("activity change")
        verbose_name_plural = _("activity changes")

    def __str__(self) -> str:
        return f"{self.action} {self.subject_label}"


class PlanPeriod(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Plan(models.Model):
    """A rep's plan for a week (周计划) or a month (月计划): planned activities and goals."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="plans"
    )
    period = models.CharField(_("period"), max_length=5, choices=PlanPeriod.choices)
    # The Monday of the week, or the first day of the month.
    starts_on = models.DateField(_("starts on"))
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_on", "owner_id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "period", "starts_on"], name="plan_one_per_owner_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.period} {self.starts_on:%Y-%m-%d}"


class PlanGoal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=200)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    achieved = models.BooleanField(_("achieved"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")

    def __str__(self) -> str:
        return self.text


class PlanComment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("plan comment")
        verbose_name_plural = _("plan comments")

    def __str__(self) -> str:
        return self.text[:50]


class VisitPolicy(models.Model):
    """Visits per period and hours per visit for a tier (or a segment), edited by managers."""

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits"), default=1, validators=[MinValueValidator(1)])
    period_months = models.PositiveSmallIntegerField(
        _("per how many months"), default=1, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    hours_per_visit = models.DecimalField(
        _("hours per visit"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["tier", "segment"]
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        constraints = [
            models.CheckConstraint(
                condition=(Q(tier="") & ~Q(segment="")) | (~Q(tier="") & Q(segment="")),
                name="visit_policy_tier_or_segment",
            ),
            models.UniqueConstraint(fields=["tier", "segment"], name="visit_policy_one_per_tier_or_segment"),
        ]

    def __str__(self) -> str:
        return self.tier or self.segment

    @property
    def visits_per_month(self) -> Decimal:
        return Decimal(self.visits) / Decimal(self.period_months)


class SellingCapacity(models.Model):
    """A person's selling hours per month (the team's capacity is the sum over its people)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="selling_capacity"
    )
    hours_per_month = models.DecimalField(
        _("selling hours per month"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("selling capacity")
        verbose_name_plural = _("selling capacities")

    def __str__(self) -> str:
        return f"{self.user} {self.hours_per_month}"


class AssessmentCycle(models.TextChoices):
    WEEK = "week", _("Weekly")
    MONTH = "month", _("Monthly")


class ProcessMetric(BilingualName):
    """A 1×5 quantified action (DOMAIN.md §10): e.g. "visits to decision makers of A customers per
    week ≥ 2", counted from each rep's done activities in every assessment cycle."""

    kinds = models.ManyToManyField(
        ActivityKind,
        verbose_name=_("activity kinds"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every kind that counts as a visit."),
    )
    tier = models.CharField(_("customer tier"), max_length=1, choices=Tier.choices, blank=True)
    decision_role = models.CharField(
        _("with a contact whose decision role is"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    cycle = models.CharField(_("assessment cycle"), max_length=5, choices=AssessmentCycle.choices)
    minimum = models.PositiveSmallIntegerField(_("at least"), validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("process metric")
        verbose_name_plural = _("process metrics")


class CalendarFeed(models.Model):
    """A person's read-only iCalendar feed of their activities, behind a revocable secret.

    Only a hash of the secret is kept (like API tokens); revoking deletes the row, and a new feed
    gets a new secret, so an old subscription URL stops working.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
