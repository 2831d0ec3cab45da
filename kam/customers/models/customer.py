"""A customer (the account), its group hierarchy and its field history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.bilingual import in_english
from kam.core.companies import (
    CREDIT_CODE_LENGTH,
    company_name_key,
    company_name_pinyin,
    normalise_credit_code,
    validate_credit_code,
)
from kam.core.money import MONEY_DIGITS
from kam.core.pinyin import PinyinKeyField
from kam.customers.models.choices import Industry, Region


class BilingualName(models.Model):
    """Rows an administrator names in both shipped languages; the page shows the active one."""

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


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", pgettext_lazy("customer status", "Lost")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Segment(models.TextChoices):
    KEY = "key", _("Key")
    IMPORTANT = "important", _("Important")
    GENERAL = "general", _("General")


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers"
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    # The effective tier and segment: the manager's override when there is one, else the computed
    # tier. Kept on the row (written by kam.customers.scoring.engine) so lists filter and sort in SQL.
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.D)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, default=Segment.GENERAL)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    computed_tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices, blank=True)
    tier_override = models.CharField(_("tier override"), max_length=1, choices=Tier.choices, blank=True)
    category_purchases = models.DecimalField(
        _("annual purchases of the category"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "What the customer buys of our category per year from everyone, in yuan; share of wallet is our sales divided by it."
        ),
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=CREDIT_CODE_LENGTH,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters; the last one is a check character."),
    )
    # Duplicate keys of the name (kam.core.companies), kept by save() and clean() so the duplicate
    # check on create and claim is an indexed lookup, not a scan of every name.
    name_key = models.CharField(max_length=200, blank=True, default="", editable=False, db_index=True)
    name_pinyin = models.CharField(max_length=400, blank=True, default="", editable=False, db_index=True)
    # The name's and short name's pinyin and initials, for search (kam.core.pinyin).
    search_key = PinyinKeyField(sources=("name", "short_name"))
    # The public pool (公海, kam.customers.pool). A pooled customer keeps its last owner in `owner`
    # (an owner is required) and `previous_owner`; every signed-in user sees it until someone claims it.
    in_pool = models.BooleanField(_("in the public pool"), default=False, editable=False)
    pooled_at = models.DateTimeField(_("returned to the pool at"), null=True, blank=True, editable=False)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Since when the owner holds the customer (created, handed over, claimed, kept by a manager's
    # refusal to return it): the pool's clock starts here when the owner has logged no activity since.
    kept_since = models.DateTimeField(_("kept since"), null=True, blank=True, editable=False)
    # Set when the owner took it from the pool: such customers count against the claim limit.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    # The day the customer returns to the pool, once the daily pass has warned its owner.
    pool_due_on = models.DateField(_("returns to the pool on"), null=True, blank=True, editable=False)
    # The latest done activity with the customer (kept by kam.activities.services).
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            # The pipeline's customer sort walks the customers by name (then id) into their deals.
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            models.Index(fields=["tier", "name"]),
            models.Index(fields=["score", "id"]),
            models.Index(fields=["owner", "pool_due_on"], name="customer_owner_due_idx"),
            models.Index(
                fields=["pooled_at", "id"], name="customer_pooled_idx", condition=models.Q(in_pool=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="customer_credit_code_unique",
                violation_error_message=_("A customer with this unified social credit code exists already."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_duplicate_keys()
        if self._state.adding and self.kept_since is None:
            self.kept_since = timezone.now()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Bulk imports validate with full_clean() and then bulk_create(), which skips save().
        super().clean()
        self.set_duplicate_keys()

    @property
    def industry_label(self) -> str:
        """The industry in the reader's language (kam.customers.models.choices)."""
        return Industry.label_of(self.industry)

    @property
    def region_label(self) -> str:
        return Region.label_of(self.region)

    def set_duplicate_keys(self) -> None:
        # "Manufacturing" or "制造业 / Manufacturing" is stored as its row's name, 制造业.
        deferred = self.get_deferred_fields()
        if "industry" not in deferred:
            self.industry = Industry.stored(self.industry)
        if "region" not in deferred:
            self.region = Region.stored(self.region)
        self.credit_code = normalise_credit_code(self.credit_code)
        self.name_key = company_name_key(self.name)
        self.name_pinyin = company_name_pinyin(self.name)


class CustomerChange(models.Model):
    """Append-only history of customer edits: what changed, by whom, when."""

    # History outlives its subject: no database constraint, so a deleted customer's rows keep its id
    # and name (the deletion itself is the last row, readable by administrators and directors).
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="changes"
    )
    subject_label = models.CharField(max_length=200, blank=True, default="")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # Written in both shipped languages (kam.customers.history.both_languages), so each reader sees
    # the line in their own; rows from before the English column read the same in both.
    summary = models.CharField(max_length=500)
    summary_en = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("customer change")
        verbose_name_plural = _("customer changes")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.subject_label and self.customer_id is not None:
            self.subject_label = self.customer.name[:200]
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        """The summary in the reader's language."""
        return self.summary_en if self.summary_en and in_english() else self.summary
