"""Bids (招投标): the bid / no-bid decision against the tender, the cost and margin build-up, the bid
plan (roles, schedule, the tender's compliance checklist, presenters and Q&A), the bid price's
approval and the outcome, with their history (DOMAIN.md §5 "Bids", §13 P4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.core.money import MONEY_DIGITS
from kam.opportunities.models import Opportunity

# When no policy row exists (a flushed test database, an administrator who deleted it), the bid
# still has a floor to be measured against: the figure the seed migration writes.
DEFAULT_MINIMUM_MARGIN = Decimal("15.00")


class BidPolicy(models.Model):
    """The company's rules for bids, edited in the Django admin; the newest active row applies."""

    minimum_margin = models.DecimalField(
        _("minimum margin (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
        help_text=_("A bid priced below this margin needs the bid-price approval before we bid."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bid policy")
        verbose_name_plural = _("bid policies")
        ordering = ["-is_active", "-id"]

    def __str__(self) -> str:
        return f"{self.minimum_margin} %"

    @classmethod
    def current(cls) -> BidPolicy:
        found = cls.objects.filter(is_active=True).order_by("-id").first()
        return found or cls(minimum_margin=DEFAULT_MINIMUM_MARGIN)


class TemplateKind(models.TextChoices):
    """What a template item starts on a new bid: a question of the assessment, or a compliance
    item in one of the tender's four sections."""

    CRITERION = "criterion", _("Assessment question")
    QUALIFICATION = "qualification", _("Qualification documents")
    COMMERCIAL = "commercial", _("Commercial documents")
    TECHNICAL = "technical", _("Technical response")
    PRICE = "price", _("Price build-up")


class ComplianceSection(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification documents")
    COMMERCIAL = "commercial", _("Commercial documents")
    TECHNICAL = "technical", _("Technical response")
    PRICE = "price", _("Price build-up")


class BidTemplateItem(models.Model):
    """A question or compliance item every new bid starts with: data an administrator keeps."""

    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices)
    text = models.CharField(_("text"), max_length=200)
    text_en = models.CharField(_("English text"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bid template item")
        verbose_name_plural = _("bid template items")
        ordering = ["kind", "order", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        if self.text_en and in_english():
            return self.text_en
        return self.text


class BidDecision(models.TextChoices):
    UNDECIDED = "", _("Not decided")
    BID = "bid", _("Bid")
    NO_BID = "no_bid", _("No bid")


class BidOutcome(models.TextChoices):
    PENDING = "", _("Awaiting the result")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class PriceApproval(models.TextChoices):
    NONE = "", _("Not submitted")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Bid(models.Model):
    """One opportunity's bid: the aggregate every part of the bid plan belongs to. Its `version`
    guards the whole bid: any write to it or its lines names the version it read."""

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="bid"
    )
    tender_reference = models.CharField(_("tender reference"), max_length=100, blank=True)
    tender_deadline = models.DateField(_("tender deadline"), null=True, blank=True)
    assessment = models.TextField(_("assessment against the tender"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=BidDecision.choices, blank=True, default=""
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fatal_factors = models.TextField(_("fatal factors"), blank=True)
    price = models.DecimalField(
        _("bid price"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    # The price sent for approval, and the one approved: the approved price is the bid's price.
    submitted_price = models.DecimalField(
        _("price submitted for approval"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    approved_price = models.DecimalField(
        _("approved price"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    price_approved_at = models.DateTimeField(_("price approved at"), null=True, blank=True)
    # Where the bid-price approval of the current price stands, kept by the approvals engine's
    # outcome handler; a new price starts over.
    price_approval = models.CharField(
        _("price approval"), max_length=10, choices=PriceApproval.choices, blank=True, default=""
    )
    proposal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposal owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partners = models.TextField(_("partners"), blank=True, help_text=_("One partner per line."))
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("presenters"), blank=True, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=BidOutcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name="bid_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Bid for %(name)s") % {"name": self.opportunity.name})

    def get_absolute_url(self) -> str:
        return reverse("planning_bids:opportunity", kwargs={"pk": self.opportunity_id})

    @property
    def owner(self) -> Any:
        """The deal's owner: the approvals engine follows this person's manager chain."""
        return self.opportunity.owner

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]


class CostKind(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment and materials")
    SOFTWARE = "software", _("Software and licences")
    SERVICES = "services", _("Implementation and services")
    SUBCONTRACT = "subcontract", _("Partners and subcontracts")
    EXPENSES = "expenses", _("Travel and sales expenses")
    OTHER = "other", _("Other")


class BidCostLine(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="cost_lines")
    kind = models.CharField(_("kind"), max_length=20, choices=CostKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=MONEY_DIGITS, decimal_places=2)

    class Meta:
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        ordering = ["bid_id", "id"]

    def __str__(self) -> str:
        return self.description


class RoleKind(models.TextChoices):
    CUSTOMER_RELATIONS = "customer_relations", _("Customer relations")
    TECHNICAL_SOLUTION = "technical_solution", _("Technical solution")
    IMPLEMENTATION = "implementation", _("Implementation")
    PROJECT_MANAGER = "project_manager", _("Project manager")


class BidRole(models.Model):
    """Who holds a role of the bid: a person of ours, or a partner's person by name."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=30, choices=RoleKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person of ours"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    partner_name = models.CharField(_("partner's person"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("bid role")
        verbose_name_plural = _("bid roles")
        constraints = [models.UniqueConstraint(fields=["bid", "role"], name="bid_role_unique")]

    def __str__(self) -> str:
        return self.holder

    @property
    def holder(self) -> str:
        if self.user is not None:
            return self.user.name or self.user.username
        return self.partner_name


class BidCheckpoint(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="checkpoints")
    due = models.DateField(_("date"))
    what = models.CharField(_("what"), max_length=200)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["bid_id", "due", "id"]

    def __str__(self) -> str:
        return self.what


class ItemStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "n_a", _("Not applicable")


class ComplianceItem(models.Model):
    """One requirement of the tender our bid must answer, in one of its four sections."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="compliance_items")
    section = models.CharField(_("section"), max_length=20, choices=ComplianceSection.choices)
    text = models.CharField(_("requirement"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.TODO)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("compliance item")
        verbose_name_plural = _("compliance items")
        ordering = ["bid_id", "section", "order", "id"]

    def __str__(self) -> str:
        return self.text


class CriterionAnswer(models.TextChoices):
    UNANSWERED = "", _("Not answered")
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class BidCriterion(models.Model):
    """A question of the bid / no-bid assessment, answered against the tender."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(_("question"), max_length=200)
    answer = models.CharField(
        _("answer"), max_length=10, choices=CriterionAnswer.choices, blank=True, default=""
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("assessment question")
        verbose_name_plural = _("assessment questions")
        ordering = ["bid_id", "order", "id"]

    def __str__(self) -> str:
        return self.text


class BidQuestion(models.Model):
    """The Q&A preparation: a question the customer's panel may ask, our answer and who gives it."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who answers"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("Q&A item")
        verbose_name_plural = _("Q&A items")
        ordering = ["bid_id", "id"]

    def __str__(self) -> str:
        return self.question


class BidChange(models.Model):
    """Append-only history of a bid: every write, who and when; it outlives the bid."""

    bid = models.ForeignKey(
        Bid, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="changes"
    )
    opportunity_id = models.PositiveIntegerField(db_index=True)
    subject_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(_("action"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bid change")
        verbose_name_plural = _("bid changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_label}"
