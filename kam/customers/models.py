from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS


def in_english() -> bool:
    return (get_language() or "").startswith("en")


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
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["tier", "name"]),
            models.Index(fields=["score", "id"]),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class CustomerChange(models.Model):
    """Append-only history of customer edits: what changed, by whom, when."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="changes")
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

    @property
    def text(self) -> str:
        """The summary in the reader's language."""
        return self.summary_en if self.summary_en and in_english() else self.summary


# --- Scoring model (综合积分法): data an administrator edits -----------------------------------


class CriterionKind(models.TextChoices):
    STATIC = "static", _("Static (set by hand)")
    DYNAMIC = "dynamic", _("Dynamic (computed from data)")


class DynamicSource(models.TextChoices):
    """What a dynamic criterion measures; each is one SQL aggregate in kam.customers.scoring.engine."""

    YEARS_AS_CUSTOMER = "years_as_customer", _("Years as a customer")
    WON_AMOUNT_12M = "won_amount_12m", _("Won amount, last 12 months")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet (%)")
    GROSS_PROFIT_12M = "gross_profit_12m", _("Gross profit, last 12 months")
    OPEN_WEIGHTED_PIPELINE = "open_weighted_pipeline", _("Open weighted pipeline")
    GROWTH_YOY = "growth_yoy", _("Growth year on year (%)")


class ScoringModel(BilingualName):
    """The weighted scoring model; exactly one is active and decides every customer's tier."""

    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_scoring_model"
            )
        ]


class TierThreshold(models.Model):
    """Total score from which a tier starts, and the segment that tier belongs to."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="thresholds")
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    min_score = models.DecimalField(
        _("minimum score"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)

    class Meta:
        verbose_name = _("tier threshold")
        verbose_name_plural = _("tier thresholds")
        ordering = ["scoring_model", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["scoring_model", "tier"], name="one_threshold_per_tier")
        ]

    def __str__(self) -> str:
        return f"{self.tier} ≥ {self.min_score}"


class ScoringCriterion(BilingualName):
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=CriterionKind.choices)
    source = models.CharField(_("computed from"), max_length=30, choices=DynamicSource.choices, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Relative weight; the total score divides by the sum of the weights, so it stays 0–100."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["scoring_model", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scoring_model", "code"], name="unique_criterion_code"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="static", source="") | (models.Q(kind="dynamic") & ~models.Q(source=""))
                ),
                name="criterion_source_matches_kind",
            ),
        ]


class ScoreBand(models.Model):
    """One band of a criterion: a choice (static) or a value range [min, max) (dynamic) → points."""

    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    min_value = models.DecimalField(
        _("from (inclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("to (exclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("score band")
        verbose_name_plural = _("score bands")
        ordering = ["criterion", "position", "id"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_en and in_english():
            return self.label_en
        return self.label

    def contains(self, value: Decimal) -> bool:
        if self.min_value is not None and value < self.min_value:
            return False
        return not (self.max_value is not None and value >= self.max_value)


class CustomerCriterionValue(models.Model):
    """The band chosen by hand for a static criterion on one customer (the current value)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="criterion_values")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="customer_values")
    band = models.ForeignKey(ScoreBand, on_delete=models.CASCADE, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("static criterion value")
        verbose_name_plural = _("static criterion values")
        constraints = [
            models.UniqueConstraint(fields=["customer", "criterion"], name="one_value_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.criterion_id} = {self.band_id}"


class BreakdownField(models.JSONField):
    """A JSONField written with plain VALUES placeholders.

    Django 5.2 bulk-inserts on PostgreSQL through UNNEST(arrays) unless a field defines
    get_placeholder; psycopg then escapes every quote of every JSON document in Python, which made
    a 50k-customer rescore spend 14 s of its 23 s there. Any field with get_placeholder opts out.
    """

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"


class CustomerScore(models.Model):
    """The computed score of one customer with its breakdown (written only by kam.customers.scoring.engine).

    `breakdown` is a list, one entry per criterion: code, name, name_en, kind, weight, input,
    band, band_en, points, contribution, next_band, next_band_en, next_gain.
    """

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="score_detail")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    # The model's version when this score was computed: an edit bumps the version, so a score older
    # than the model is known to be waiting for its recompute.
    model_version = models.PositiveIntegerField(_("scoring model version"), default=0)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    breakdown = BreakdownField(default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.total} ({self.tier})"


class TierOverride(models.Model):
    """Append-only: a manager set (or, with an empty tier, removed) a tier override, and why."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tier_overrides")
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    previous_tier = models.CharField(_("previous tier"), max_length=1, choices=Tier.choices, blank=True)
    computed_tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices, blank=True)
    computed_score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier or '—'}"


# --- Tags ---------------------------------------------------------------------------------------


class TagKind(models.TextChoices):
    STATIC = "static", _("Static (set by hand)")
    DYNAMIC = "dynamic", _("Dynamic (saved filter)")


class Tag(models.Model):
    """A label on customers. Static tags are attached by hand; a dynamic tag's members are the
    customers its saved filter (`rule`) matches, computed at read time and never stored."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TagKind.choices, default=TagKind.STATIC)
    color = models.CharField(_("colour"), max_length=7, default="#5470c6")
    description = models.CharField(_("description"), max_length=300, blank=True)
    rule = models.JSONField(_("filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="customer_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="tag_once_per_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tag_id}"


# --- Customer analysis (客户分析): one revision per save, never edited in place ----------------


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
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="analyses")
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
