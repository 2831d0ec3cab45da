"""SWOT and TOWS (DOMAIN.md §8): a deal's or a customer's four lists of items, and the strategies
of the TOWS matrix built from them, each strategy naming the items it uses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.activities.models import Activity
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity


class ItemKind(models.TextChoices):
    """Strengths and weaknesses are ours (internal); opportunities and threats the market's (external)."""

    # In context: "Opportunity" alone is a sales opportunity (商机) everywhere else.
    STRENGTH = "S", pgettext_lazy("swot", "Strength")
    WEAKNESS = "W", pgettext_lazy("swot", "Weakness")
    OPPORTUNITY = "O", pgettext_lazy("swot", "Opportunity")
    THREAT = "T", pgettext_lazy("swot", "Threat")


class StrategyKind(models.TextChoices):
    """A TOWS strategy pairs an internal side with an external one."""

    SO = "SO", _("SO: use strengths to take opportunities")
    WO = "WO", _("WO: overcome weaknesses by taking opportunities")
    ST = "ST", _("ST: use strengths to counter threats")
    WT = "WT", _("WT: reduce weaknesses and avoid threats")


# The two item kinds each strategy draws on: (internal, external).
SIDES: dict[str, tuple[str, str]] = {
    StrategyKind.SO: (ItemKind.STRENGTH, ItemKind.OPPORTUNITY),
    StrategyKind.WO: (ItemKind.WEAKNESS, ItemKind.OPPORTUNITY),
    StrategyKind.ST: (ItemKind.STRENGTH, ItemKind.THREAT),
    StrategyKind.WT: (ItemKind.WEAKNESS, ItemKind.THREAT),
}

ITEM_TEXT_MAX = 300
STRATEGY_TEXT_MAX = 500


class Swot(models.Model):
    """One SWOT per opportunity, or one per customer (the account's own, beside its deals')."""

    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="swot",
    )
    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="swot",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SWOT")
        verbose_name_plural = _("SWOTs")
        constraints = [
            models.CheckConstraint(
                condition=Q(opportunity__isnull=False, customer__isnull=True)
                | Q(opportunity__isnull=True, customer__isnull=False),
                name="swot_of_one_deal_or_one_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"SWOT {self.opportunity or self.customer}"


class SwotItem(models.Model):
    swot = models.ForeignKey(Swot, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=1, choices=ItemKind.choices)
    text = models.CharField(_("text"), max_length=ITEM_TEXT_MAX)
    # Position within its kind's list, from 1; kept dense by the services.
    order = models.PositiveIntegerField(_("order"), default=1)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["swot", "kind", "order", "id"]
        verbose_name = _("SWOT item")
        verbose_name_plural = _("SWOT items")
        indexes = [models.Index(fields=["swot", "kind", "order"], name="swot_item_order_idx")]

    def __str__(self) -> str:
        return f"{self.kind}{self.order} {self.text}"

    @property
    def label(self) -> str:
        """S1, W2, …: how the matrix refers to the item."""
        return f"{self.kind}{self.order}"


class TowsStrategy(models.Model):
    swot = models.ForeignKey(Swot, on_delete=models.CASCADE, related_name="strategies")
    kind = models.CharField(_("kind"), max_length=2, choices=StrategyKind.choices)
    text = models.CharField(_("strategy"), max_length=STRATEGY_TEXT_MAX)
    items = models.ManyToManyField(SwotItem, verbose_name=_("items"), related_name="strategies")
    # The action the strategy became: a planned activity (gone from here if the activity is deleted).
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("planned action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tows_strategies",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["swot", "kind", "id"]
        verbose_name = _("TOWS strategy")
        verbose_name_plural = _("TOWS strategies")

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class SwotChange(models.Model):
    """Append-only history of a SWOT: items and strategies added, edited, moved, removed, actions."""

    class Action(models.TextChoices):
        ITEM_ADDED = "item_added", _("Item added")
        ITEM_EDITED = "item_edited", _("Item edited")
        ITEM_MOVED = "item_moved", _("Item moved")
        ITEM_REMOVED = "item_removed", _("Item removed")
        STRATEGY_ADDED = "strategy_added", _("Strategy added")
        STRATEGY_EDITED = "strategy_edited", _("Strategy edited")
        STRATEGY_REMOVED = "strategy_removed", _("Strategy removed")
        ACTION_CREATED = "action_created", _("Action planned")

    swot = models.ForeignKey(Swot, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=20, choices=Action.choices)
    # What the change was about, as it read then (the item or strategy may be gone since).
    subject_label = models.CharField(max_length=STRATEGY_TEXT_MAX, blank=True, default="")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # {field: [before, after]} for edits; the record for additions and removals.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("SWOT change")
        verbose_name_plural = _("SWOT changes")

    def __str__(self) -> str:
        return f"{self.action} {self.subject_label}"
