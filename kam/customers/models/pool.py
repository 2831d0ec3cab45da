"""The public pool's rules as data (公海规则): when a customer without its owner's activity returns to
the pool, how long its owner is warned first, whether a manager must approve, and how many
customers a rep may claim; and the return requests managers decide."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.customers.models.customer import Customer, Segment, Tier


class PoolRule(models.Model):
    """One rule per tier or per segment. A customer follows its tier's rule when there is one, else
    its segment's; with neither it never returns to the pool."""

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    days = models.PositiveIntegerField(
        _("days without the owner's activity"),
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("After this many whole days with no done activity by its owner, the customer returns."),
    )
    warning_days = models.PositiveIntegerField(
        _("days of warning"),
        default=7,
        validators=[MaxValueValidator(3650)],
        help_text=_("The owner sees the customer among those about to return this many days before."),
    )
    needs_approval = models.BooleanField(
        _("needs a manager's approval"),
        default=False,
        help_text=_("The return is a request a manager approves or rejects."),
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["tier", "segment", "id"]
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(tier="") & ~Q(segment="")) | (~Q(tier="") & Q(segment="")),
                name="pool_rule_tier_or_segment",
                violation_error_message=_("A pool rule is for one tier or one segment."),
            ),
            models.UniqueConstraint(fields=["tier"], condition=~Q(tier=""), name="pool_rule_one_per_tier"),
            models.UniqueConstraint(
                fields=["segment"], condition=~Q(segment=""), name="pool_rule_one_per_segment"
            ),
        ]

    def __str__(self) -> str:
        scope = self.get_tier_display() if self.tier else self.get_segment_display()
        return f"{scope}: {self.days}"

    def clean(self) -> None:
        if self.warning_days >= self.days:
            raise ValidationError({"warning_days": [_("The warning must start before the return.")]})


class PoolSettings(models.Model):
    """The one row of pool settings (pk 1)."""

    claim_limit = models.PositiveIntegerField(
        _("claim limit per rep"),
        default=10,
        validators=[MaxValueValidator(10000)],
        help_text=_("How many customers claimed from the pool a rep may own at once within the window."),
    )
    claim_window_days = models.PositiveIntegerField(
        _("claim window (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Customers claimed longer ago than this no longer count against the limit."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("pool settings")
        verbose_name_plural = _("pool settings")

    def __str__(self) -> str:
        return f"{self.claim_limit} / {self.claim_window_days}"

    @classmethod
    def current(cls) -> PoolSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class ReturnStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # The owner logged an activity before a manager decided: nothing is left to decide.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PoolReturnRequest(models.Model):
    """A key customer due to return to the pool, waiting for a manager's decision."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="pool_requests")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.PENDING)
    idle_days = models.PositiveIntegerField(_("days without the owner's activity"))
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("pool return request")
        verbose_name_plural = _("pool return requests")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="pool_request_one_pending_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.status}"
