"""Approvals: flows as data (steps and who approves each), requests on any record, decisions.

A flow is a list of steps; each step names its approvers by role, by the subject owner's manager
chain, or by name, and whether any one of them (或签) or all of them (会签) must approve. A request
resolves every step's approvers when it is submitted (ApprovalAssignment), so a later change of
team or role does not move a request already under way, and "awaiting my approval" is one indexed
read. Decisions are append-only.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.org.models import Role, User


class ApprovalFlow(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class ApproverKind(models.TextChoices):
    MANAGER = "manager", _("The owner's manager chain")
    ROLE = "role", _("Everyone with a role")
    PEOPLE = "people", _("Named people")


class StepMode(models.TextChoices):
    ANY = "any", _("Any one approves (或签)")
    ALL = "all", _("All approve (会签)")


class ApprovalStep(models.Model):
    flow = models.ForeignKey(
        ApprovalFlow, verbose_name=_("flow"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    approver_kind = models.CharField(_("approvers"), max_length=10, choices=ApproverKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    manager_levels = models.PositiveSmallIntegerField(
        _("manager levels"),
        default=1,
        help_text=_("How many managers up the owner's chain approve at this step (1: the direct manager)."),
    )
    people = models.ManyToManyField(User, verbose_name=_("people"), blank=True, related_name="+")
    mode = models.CharField(_("mode"), max_length=5, choices=StepMode.choices, default=StepMode.ANY)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="approval_step_order")]

    def __str__(self) -> str:
        return f"{self.flow.code} #{self.order} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(models.Model):
    flow = models.ForeignKey(
        ApprovalFlow, verbose_name=_("flow"), on_delete=models.PROTECT, related_name="requests"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    title = models.CharField(_("title"), max_length=200)
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    subject_owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    current_step = models.ForeignKey(
        ApprovalStep,
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-id"], name="approval_req_target")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class ApprovalAssignment(models.Model):
    """Who approves one step of one request, fixed when the request was submitted."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="assignments")
    step = models.ForeignKey(ApprovalStep, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(User, on_delete=models.CASCADE, related_name="approval_assignments")

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        ordering = ["request", "step__order", "approver_id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step", "approver"], name="approval_assignment_once")
        ]
        indexes = [models.Index(fields=["approver", "step"], name="approval_assign_approver")]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.step_id}: {self.approver}"


class ApprovalDecision(models.Model):
    """One approver's approval or rejection at one step; never edited or deleted."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.ForeignKey(ApprovalStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(User, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step", "approver"], name="approval_decision_once")
        ]

    def __str__(self) -> str:
        return f"{self.approver} {'✓' if self.approve else '✗'} {self.request_id}"
