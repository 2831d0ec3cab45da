"""The customer analysis: one revision per save, never edited in place."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.customers.models.customer import Customer


class PurchaseSpeed(models.TextChoices):
    SPEED_FIRST = "speed", _("Speed first")
    PRICE_FIRST = "price", _("Price first")
    BALANCED = "balanced", _("Balanced")


class DecisionMode(models.TextChoices):
    TENDER = "tender", _("Collective: tender")
    NEGOTIATED = "negotiated", _("Collective: negotiated")
    ONE_PERSON = "one_person", _("One person decides")


class Attention(models.TextChoices):
    # Contexts of their own: "High"/"Low" alone are a contact's rank (senior/junior) in zh-Hans.
    HIGH = "high", pgettext_lazy("attention", "High")
    MEDIUM = "medium", pgettext_lazy("attention", "Medium")
    LOW = "low", pgettext_lazy("attention", "Low")


class CustomerAnalysis(models.Model):
    # Revisions outlive their customer: no database constraint, the rows keep the customer's id.
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="analyses"
    )
    revision = models.PositiveIntegerField(_("revision"))
    # Needs
    needs_history = models.TextField(_("purchase history and trend"), blank=True)
    purchase_speed = models.CharField(
        _("required purchase speed"), max_length=10, choices=PurchaseSpeed.choices, blank=True
    )
    market_competition = models.TextField(_("competition in the customer's own market"), blank=True)
    latent_needs_work = models.TextField(_("latent needs: work"), blank=True)
    latent_needs_personal = models.TextField(_("latent needs: personal"), blank=True)
    # Decision mechanism
    decision_mode = models.CharField(
        _("decision mechanism"), max_length=12, choices=DecisionMode.choices, blank=True
    )
    hidden_influencers = models.TextField(_("hidden influencers"), blank=True)
    price_attention = models.CharField(
        _("attention to price"), max_length=6, choices=Attention.choices, blank=True
    )
    competition_attention = models.CharField(
        _("attention to competition"), max_length=6, choices=Attention.choices, blank=True
    )
    outside_influences = models.TextField(_("outside influences (industry policy …)"), blank=True)
    # Strength
    finances = models.TextField(_("finances"), blank=True)
    business_status = models.TextField(_("business status"), blank=True)
    reputation = models.TextField(_("reputation"), blank=True)
    direction = models.TextField(_("direction"), blank=True)
    # Local economy
    population_geography = models.TextField(_("population and geography"), blank=True)
    economic_strength = models.TextField(_("economic strength"), blank=True)
    key_investments = models.TextField(_("key investment projects"), blank=True)
    development_plans = models.TextField(_("development plans"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ANALYSIS_FIELDS = (
        "needs_history",
        "purchase_speed",
        "market_competition",
        "latent_needs_work",
        "latent_needs_personal",
        "decision_mode",
        "hidden_influencers",
        "price_attention",
        "competition_attention",
        "outside_influences",
        "finances",
        "business_status",
        "reputation",
        "direction",
        "population_geography",
        "economic_strength",
        "key_investments",
        "development_plans",
    )

    class Meta:
        verbose_name = _("customer analysis")
        verbose_name_plural = _("customer analyses")
        ordering = ["customer", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "revision"], name="one_analysis_per_revision")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} r{self.revision}"
