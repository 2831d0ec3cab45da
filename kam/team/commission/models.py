"""Commission (销售提成): plans as data (layers, progressive bands, the base, cap and floor, the star
multiplier), the split of a won deal among its deal team, and statements per person and period
with the lines behind every figure, approval and revisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.core.money import MONEY_DIGITS

User = settings.AUTH_USER_MODEL
HUNDRED = Decimal("100")


def _money(label: Any, **extra: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=MONEY_DIGITS, decimal_places=2, **extra)


def _percent(label: Any, **extra: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0"))],
        **extra,
    )


class RoleFamily(models.TextChoices):
    SALES = "sales", _("Sales reps")
    SERVICE = "service", _("Service staff")


class Base(models.TextChoices):
    WON = "won", _("Won amount")
    GROSS_PROFIT = "gross_profit", _("Gross profit (won amount × the deal's estimated gross margin)")
    PAYMENTS = "payments", _("Received payments")
    SERVICE = "service", _("Service revenue (payments on contracts whose project the person manages)")


class BandKind(models.TextChoices):
    ATTAINMENT = "attainment", _("Attainment of target (%)")
    AMOUNT = "amount", _("Cumulative amount")


class CustomerKind(models.TextChoices):
    ANY = "", _("Any customer")
    NEW = "new", _("New customer (first won deal)")
    EXISTING = "existing", _("Existing customer")


class CommissionPlan(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # Shown instead of `name` to a reader working in English.
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    role_family = models.CharField(
        _("role family"), max_length=10, choices=RoleFamily.choices, default=RoleFamily.SALES
    )
    base = models.CharField(_("base"), max_length=20, choices=Base.choices, default=Base.WON)
    band_kind = models.CharField(
        _("bands by"), max_length=12, choices=BandKind.choices, default=BandKind.AMOUNT
    )
    cap = _money(_("cap per statement"), null=True, blank=True)
    floor = _money(_("floor per statement"), null=True, blank=True)
    use_star_multiplier = models.BooleanField(_("apply the star level's multiplier"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    people: models.ManyToManyField = models.ManyToManyField(
        User, verbose_name=_("people"), blank=True, related_name="commission_plans"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cap__isnull=True)
                | models.Q(floor__isnull=True)
                | models.Q(cap__gte=models.F("floor")),
                name="commission_plan_cap_above_floor",
            )
        ]

    def __str__(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name


class Layer(models.Model):
    """A segment of the deals with its own weight on the band rates: the first layer (in order)
    whose conditions all match a deal applies; a deal no layer matches earns nothing."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="layers")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    tiers = models.CharField(
        _("customer tiers"), max_length=8, blank=True, help_text=_("e.g. AB; empty: any tier")
    )
    customer_kind = models.CharField(
        _("new or existing"), max_length=10, choices=CustomerKind.choices, blank=True, default=""
    )
    product_line = models.CharField(
        _("product line"), max_length=100, blank=True, help_text=_("empty: any product line")
    )
    factor = models.DecimalField(
        _("rate factor"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name


class Band(models.Model):
    """One step of the progressive table: the part of the base from `lower` up to the next band's
    lower edge earns `rate` percent (the top band has no upper edge). `lower` is an amount, or a
    percentage of the target when the plan's bands are by attainment."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="bands")
    lower = models.DecimalField(
        _("from"), max_digits=MONEY_DIGITS, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    rate = _percent(_("rate (%)"))

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["plan", "lower"]
        constraints = [models.UniqueConstraint(fields=["plan", "lower"], name="commission_band_once")]

    def __str__(self) -> str:
        return f"{self.lower}: {self.rate}%"


class DealSplit(models.Model):
    """How a deal's commission is shared in its deal team. No split: 100 % to the owner."""

    opportunity = models.OneToOneField(
        "opportunities.Opportunity", on_delete=models.CASCADE, related_name="commission_split"
    )
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("deal split")
        verbose_name_plural = _("deal splits")

    def __str__(self) -> str:
        return str(self.opportunity_id)


class DealShare(models.Model):
    split = models.ForeignKey(DealSplit, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    share = models.DecimalField(
        _("share (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HUNDRED)],
    )

    class Meta:
        verbose_name = _("deal share")
        verbose_name_plural = _("deal shares")
        ordering = ["split", "-share", "id"]
        constraints = [models.UniqueConstraint(fields=["split", "user"], name="commission_share_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.share}%"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")


class Statement(models.Model):
    """A person's commission for a period. Approved lines are never rewritten: a recomputation
    after approval is a new revision pointing at the one it revises."""

    person = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        CommissionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_revision"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    target = _money(_("target"), null=True, blank=True)
    base_total = _money(_("base"), default=Decimal("0"))
    commission = _money(_("commission from the bands"), default=Decimal("0"))
    star = models.CharField(_("star level"), max_length=40, blank=True)
    multiplier = models.DecimalField(_("multiplier"), max_digits=6, decimal_places=3, default=Decimal("1"))
    multiplied = _money(_("after the multiplier"), default=Decimal("0"))
    cap = _money(_("cap"), null=True, blank=True)
    floor = _money(_("floor"), null=True, blank=True)
    limit_applied = models.CharField(_("cap or floor applied"), max_length=5, blank=True)
    total = _money(_("total"), default=Decimal("0"))
    computed_at = models.DateTimeField(_("computed at"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        ordering = ["-period_start", "person_id", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "period_start", "period_end", "revision"], name="commission_statement_once"
            )
        ]
        indexes = [models.Index(fields=["person", "period_start"], name="commission_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period_start}–{self.period_end} r{self.revision}"


class LineKind(models.TextChoices):
    DEAL = "deal", _("Won deal")
    PAYMENT = "payment", _("Payment")


class StatementLine(models.Model):
    """One figure of a statement: the part of one deal's or payment's credited base that fell in one
    band, at that band's rate (times the layer's factor)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveIntegerField(default=0)
    # The source and band, stable across recomputations: lines of two revisions are paired by it.
    key = models.CharField(max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.ForeignKey(
        "delivery.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(_("deal"), max_length=300)
    customer = models.CharField(_("customer"), max_length=200, blank=True)
    dated = models.DateField(_("date"))
    layer = models.CharField(_("layer"), max_length=100, blank=True)
    source_amount = _money(_("amount"))
    share = models.DecimalField(_("share (%)"), max_digits=6, decimal_places=2)
    band = models.CharField(_("band"), max_length=80)
    portion = _money(_("base in the band"))
    rate = models.DecimalField(_("rate (%)"), max_digits=9, decimal_places=4)
    amount = _money(_("commission"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "order"]

    def __str__(self) -> str:
        return self.key
