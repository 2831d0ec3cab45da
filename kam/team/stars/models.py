"""Star ratings (星级评定, DOMAIN.md §12): rating schemes as data per role family, their criteria and
thresholds per star level, the incentive each level sets, and the evaluations that rate people.

A scheme's criteria each read one metric from kam's data (`Metric`); a criterion reaches the
highest star level whose threshold its value meets. The scheme's rule combines the criteria: under
"all criteria" a person reaches a level when every criterion does; under "points" each criterion
scores its weight per level reached and the total is compared with each level's minimum points.

An evaluation rates everyone of one family (in one team's subtree, or the whole company) over one
period. Its ratings are drafts the manager reviews and may adjust (with a reason, the proposed
level kept beside the final one) until the evaluation is published; published ratings are history
and never change: a later publication for the same person supersedes them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.core.money import MONEY_DIGITS
from kam.org.models import Team

STARS = (1, 2, 3, 4, 5)


class RoleFamily(models.TextChoices):
    REGIONAL = "regional", _("Regional key-account reps")
    STRATEGIC = "strategic", _("Strategic account reps")
    SERVICE = "service", _("Project service staff")


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class CombiningRule(models.TextChoices):
    ALL = "all", _("All criteria of a level")
    POINTS = "points", _("Points")


class Metric(models.TextChoices):
    """What a criterion measures; each is computed by kam.team.stars.metrics."""

    WON_REVENUE = "won_revenue", _("Won revenue")
    NEW_KEY_ACCOUNTS = "new_key_accounts", _("New key accounts developed")
    TARGET_ATTAINMENT = "target_attainment", _("Target attainment (%)")
    PROCESS_PASSED = "process_passed", _("1×5 process metrics passed (%)")
    CERTIFIED = "certified", _("Certification held")
    SATISFACTION = "satisfaction", _("Customer satisfaction")


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Named(models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class Scheme(Named):
    """The rating scheme of one role family; a family has at most one active scheme."""

    family = models.CharField(_("role family"), max_length=20, choices=RoleFamily.choices)
    period = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    rule = models.CharField(_("combining rule"), max_length=10, choices=CombiningRule.choices)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")
        ordering = ["family", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"], condition=Q(active=True), name="stars_one_active_scheme_per_family"
            ),
        ]


class Level(models.Model):
    """A star level of a scheme: the points it needs (points rule) and the incentive it sets
    (以星级定激励机制): the base pay band, the commission multiplier and the monthly allowance."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="levels")
    star = models.PositiveSmallIntegerField(
        _("star level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_points = models.DecimalField(_("minimum points"), max_digits=8, decimal_places=2, default=Decimal(0))
    base_band = models.CharField(_("base band"), max_length=40, blank=True)
    commission_multiplier = models.DecimalField(
        _("commission multiplier"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    allowance = models.DecimalField(
        _("allowance"), max_digits=MONEY_DIGITS, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("star level")
        verbose_name_plural = _("star levels")
        ordering = ["scheme", "star"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "star"], name="stars_level_once_per_scheme"),
            models.CheckConstraint(condition=Q(star__gte=1, star__lte=5), name="stars_level_1_to_5"),
            models.CheckConstraint(
                condition=Q(commission_multiplier__gte=0), name="stars_multiplier_not_negative"
            ),
            models.CheckConstraint(condition=Q(allowance__gte=0), name="stars_allowance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} ★{self.star}"


class Criterion(models.Model):
    """One measured criterion of a scheme, with its weight (points per level reached)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="criteria")
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal(1))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "metric"], name="stars_metric_once_per_scheme"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="stars_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.get_metric_display())


class Threshold(models.Model):
    """The least value of a criterion that reaches a star level."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="thresholds")
    star = models.PositiveSmallIntegerField(
        _("star level"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_value = models.DecimalField(_("at least"), max_digits=MONEY_DIGITS, decimal_places=2)

    class Meta:
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        ordering = ["criterion", "star"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "star"], name="stars_threshold_once_per_level"),
            models.CheckConstraint(condition=Q(star__gte=1, star__lte=5), name="stars_threshold_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"★{self.star} ≥ {self.min_value}"


class FamilyMember(models.Model):
    """The role family a person is rated in (one at a time)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="star_family",
        verbose_name=_("person"),
    )
    family = models.CharField(_("role family"), max_length=20, choices=RoleFamily.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("role family member")
        verbose_name_plural = _("role family members")
        indexes = [models.Index(fields=["family"], name="stars_member_family_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_family_display()}"


class Evaluation(models.Model):
    """One period's rating of a family, for a team's subtree (or everyone when no team)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="evaluations")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("star evaluation")
        verbose_name_plural = _("star evaluations")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="stars_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.period_start}–{self.period_end}"


class Rating(models.Model):
    """A person's rating in an evaluation: the level the data proposes and the level decided.

    `effective_from` (the day after the period) is when a published rating starts to set the
    person's incentive; among published ratings the latest effective one, then the latest
    published, holds, and the ones it replaced point to it through `superseded_by`."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="star_ratings",
        verbose_name=_("person"),
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_star = models.PositiveSmallIntegerField(_("proposed level"), validators=[MaxValueValidator(5)])
    final_star = models.PositiveSmallIntegerField(_("final level"), validators=[MaxValueValidator(5)])
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal(0))
    reason = models.TextField(_("reason for the adjustment"), blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjusted_at = models.DateTimeField(_("adjusted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        ordering = ["evaluation", "user__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "user"], name="stars_rating_once_per_evaluation"),
            models.CheckConstraint(
                condition=Q(proposed_star__lte=5, final_star__lte=5), name="stars_rating_0_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "published_at"], name="stars_rating_user_pub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ★{self.final_star}"

    @property
    def adjusted(self) -> bool:
        return self.final_star != self.proposed_star


class RatingValue(models.Model):
    """A criterion's value for one rating and the level it reaches, as computed at evaluation."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="values")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=MONEY_DIGITS, decimal_places=2)
    star = models.PositiveSmallIntegerField(_("level reached"))
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["rating", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "criterion"], name="stars_value_once_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()}: {self.value} (★{self.star})"


class Adjustment(models.Model):
    """Each change a manager made to a draft rating's level, with the reason (the audit trail)."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="adjustments")
    from_star = models.PositiveSmallIntegerField(_("from"))
    to_star = models.PositiveSmallIntegerField(_("to"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["rating", "at", "id"]

    def __str__(self) -> str:
        return f"★{self.from_star} → ★{self.to_star}"
