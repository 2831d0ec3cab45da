"""Initiation (立项): one report per opportunity, submitted to the approvals `initiation` flow.

While the report is a draft (or back after a rejection) the deal's four elements, competitors and
decision chain are read live from the deal; submitting stores them as they stood (`elements`,
`competitors`, `decision_chain`), so the approver reads, and the history keeps, what was submitted.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.approvals.models import ApprovalRequest


class InitiationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class InitiationReport(models.Model):
    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="initiation_report"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InitiationStatus.choices, default=InitiationStatus.DRAFT
    )
    background = models.TextField(_("background"), blank=True)
    customer_needs = models.TextField(_("customer needs"), blank=True)
    our_solution = models.TextField(_("our solution"), blank=True)
    product_line = models.CharField(_("category / product line"), max_length=100, blank=True)
    resources = models.TextField(_("resources needed"), blank=True)
    expense_budget = models.DecimalField(
        _("sales expense budget"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    gross_margin = models.DecimalField(
        _("estimated gross margin (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    risks = models.TextField(_("risks"), blank=True)
    # As submitted (empty until the first submission): see the module's docstring.
    elements = models.JSONField(_("four elements as submitted"), default=dict, blank=True)
    competitors = models.JSONField(_("competitors as submitted"), default=list, blank=True)
    decision_chain = models.JSONField(_("decision chain as submitted"), default=list, blank=True)
    approval = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_comment = models.TextField(_("rejection comment"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("initiation report")
        verbose_name_plural = _("initiation reports")
        indexes = [models.Index(fields=["status"], name="initiation_status_idx")]

    def __str__(self) -> str:
        return str(self.opportunity)

    def get_absolute_url(self) -> str:
        return reverse("planning_initiation:opportunity", kwargs={"pk": self.opportunity_id})

    @property
    def owner(self) -> User:
        """The deal's owner: the approvals follow their manager chain."""
        return self.opportunity.owner

    @property
    def is_editable(self) -> bool:
        return self.status in (InitiationStatus.DRAFT, InitiationStatus.REJECTED)


class InitiationChangeAction(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class InitiationChange(models.Model):
    """Append-only history of a report: each write with who, when and the fields it changed."""

    report = models.ForeignKey(InitiationReport, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("action"), max_length=10, choices=InitiationChangeAction.choices)
    changed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    # {field: [old, new]} for an edit; the comment of a decision.
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("initiation report change")
        verbose_name_plural = _("initiation report changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"
