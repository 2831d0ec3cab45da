from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.pinyin import PinyinKeyField

# Per-thread cache of the RelationshipPolicy row, dropped at each request start and on save.
_policy_cache = threading.local()

MOBILE_VALIDATOR = RegexValidator(r"^(\+?86)?1[3-9]\d{9}$", _("Enter a valid mainland China mobile number."))


# The vocabulary of a buying decision, shared by the org chart (who holds which role) and the
# pipeline (each deal's decision chain): a person's role in one decision, and their stance on us.
class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    TECHNICAL_APPROVER = "technical_approver", _("Technical approver")
    BUSINESS_APPROVER = "business_approver", _("Business approver")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", pgettext_lazy("decision role", "User")
    COACH = "coach", _("Coach")


class DecisionSide(models.TextChoices):
    """The two approval lines of a buying decision (drawn blue and red on the decision chain)."""

    TECHNICAL = "technical", _("technical")
    BUSINESS = "business", _("business")


# Which side of the decision each role stands on: users and technical approvers judge the solution,
# business approvers and the decision maker the deal (price, terms, the signature). Influencers
# and coaches stand on neither, so they never make a side covered.
DECISION_ROLE_SIDES: dict[str, str] = {
    DecisionRole.TECHNICAL_APPROVER.value: DecisionSide.TECHNICAL.value,
    DecisionRole.USER.value: DecisionSide.TECHNICAL.value,
    DecisionRole.BUSINESS_APPROVER.value: DecisionSide.BUSINESS.value,
    DecisionRole.DECISION_MAKER.value: DecisionSide.BUSINESS.value,
}


class Stance(models.TextChoices):
    SUPPORT = "A", _("A · support")
    NEUTRAL = "B", _("B · neutral")
    OPPOSE = "C", _("C · oppose")


class Rank(models.TextChoices):
    HIGH = "high", _("High")
    MID_HIGH = "mid_high", _("Mid-high")
    MID = "mid", _("Middle")
    LOW = "low", _("Low")


class RelationshipLevel(models.IntegerChoices):
    CR1 = 1, "CR1"
    CR2 = 2, "CR2"
    CR3 = 3, "CR3"
    CR4 = 4, "CR4"
    CR5 = 5, "CR5"


class Contact(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    # The name's pinyin and initials, for search (kam.core.pinyin).
    search_key = PinyinKeyField(sources=("name",))
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    rank = models.CharField(_("rank"), max_length=10, choices=Rank.choices, default=Rank.MID)
    influence = models.PositiveSmallIntegerField(
        _("influence"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[MOBILE_VALIDATOR])
    phone = models.CharField(_("landline"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The latest done activity with the contact (kept by kam.activities.services).
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=1) & Q(influence__lte=5), name="contact_influence_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Relationship(models.Model):
    """How well one of our people knows one contact (CR1–CR5); changed only via services."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our person"),
        on_delete=models.CASCADE,
        related_name="relationships",
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="relationships"
    )
    level = models.PositiveSmallIntegerField(_("relationship level"), choices=RelationshipLevel.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        indexes = [models.Index(fields=["contact", "level"], name="relationship_contact_level_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "contact"], name="relationship_user_contact_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="relationship_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.contact}: CR{self.level}"


class RelationshipChange(models.Model):
    """Append-only history of relationship levels."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # History outlives its subject: no database constraint, so deleting the contact leaves the rows
    # with the contact's id, the customer (who may read them) and the contact's name at the time.
    contact = models.ForeignKey(
        Contact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="relationship_changes"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    subject_label = models.CharField(max_length=100, blank=True, default="")
    from_level = models.PositiveSmallIntegerField(null=True, blank=True, choices=RelationshipLevel.choices)
    to_level = models.PositiveSmallIntegerField(choices=RelationshipLevel.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("relationship change")
        verbose_name_plural = _("relationship changes")

    def __str__(self) -> str:
        return f"{self.contact_id}: CR{self.from_level} → CR{self.to_level}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.contact_id is not None:
            contact = self.contact
            self.customer_id = self.customer_id or contact.customer_id
            self.subject_label = self.subject_label or contact.name[:100]
        super().save(*args, **kwargs)


class Influence(models.Model):
    """An influence line: `source` sways `target` inside the customer's organisation."""

    source = models.ForeignKey(
        Contact, verbose_name=_("from"), on_delete=models.CASCADE, related_name="influences_out"
    )
    target = models.ForeignKey(
        Contact, verbose_name=_("to"), on_delete=models.CASCADE, related_name="influences_in"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("influence line")
        verbose_name_plural = _("influence lines")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="influence_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="influence_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class RelationshipRequirement(models.Model):
    """One line of the relationship score: what the decision chain must look like from a stage on.

    A row with a decision role asks for a contact in that role known at `min_level` (and, if
    `no_opposition`, none of them opposing); a row without one asks for `min_contacts` engaged people.
    Administrators edit these rows; the score and its gaps follow.
    """

    from_stage = models.ForeignKey(
        "opportunities.Stage", verbose_name=_("from stage"), on_delete=models.CASCADE, related_name="+"
    )
    decision_role = models.CharField(
        _("decision role"),
        max_length=20,
        blank=True,
        choices=DecisionRole.choices,
        help_text=_("Empty: any engaged contact counts."),
    )
    min_level = models.PositiveSmallIntegerField(
        _("minimum relationship level"), null=True, blank=True, choices=RelationshipLevel.choices
    )
    no_opposition = models.BooleanField(_("must not oppose"), default=False)
    min_contacts = models.PositiveSmallIntegerField(_("minimum contacts"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("relationship requirement")
        verbose_name_plural = _("relationship requirements")
        ordering = ["from_stage__process_id", "from_stage__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_contacts__gte=1) & Q(min_contacts__lte=20),
                name="requirement_min_contacts_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage_id}: {self.decision_role or '*'} ≥ CR{self.min_level or 0}"


class RelationshipPolicy(models.Model):
    """The thresholds of the relationship maps, one row an administrator edits.

    Which contacts count as key on the coverage net, the level below which a top-rank contact is a
    gap, and the influence from which a person counts as powerful on the power map.
    """

    key_min_influence = models.PositiveSmallIntegerField(
        _("key contact: minimum influence"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Contacts with at least this influence count as key (as do high and mid-high ranks)."),
    )
    top_rank_min_level = models.PositiveSmallIntegerField(
        _("top rank: level expected"),
        default=3,
        choices=RelationshipLevel.choices,
        help_text=_("A high-rank contact known below this level is shown as a gap."),
    )
    power_min_influence = models.PositiveSmallIntegerField(
        _("power map: influence that counts as power"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    strong_level = models.PositiveSmallIntegerField(
        _("level of a strong relationship"),
        default=3,
        choices=RelationshipLevel.choices,
        help_text=_(
            "A side of the decision chain counts as covered by a contact known at this level or above; "
            "below it, a decision maker is weak while the sign date is near."
        ),
    )
    sign_near_days = models.PositiveSmallIntegerField(
        _("sign date near: days"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_(
            "From this many days before the expected sign date, a weak or opposing decision maker is "
            "named whatever the stage."
        ),
    )

    class Meta:
        verbose_name = _("relationship map settings")
        verbose_name_plural = _("relationship map settings")

    def __str__(self) -> str:
        return str(_("Relationship map settings"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.forget()

    @classmethod
    def current(cls) -> RelationshipPolicy:
        """The settings row, read once per request (pages ask for it in loops)."""
        policy = getattr(_policy_cache, "policy", None)
        if policy is None:
            policy, _created = cls.objects.get_or_create(pk=1)
            _policy_cache.policy = policy
        return policy

    @staticmethod
    def forget() -> None:
        _policy_cache.policy = None
