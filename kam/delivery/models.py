"""After the signature (DOMAIN.md §11, P7 of §13): contracts, payment plans and payments (回款),
invoices, the implementation plan (项目实施计划表) with its hand-over and acceptance, service
requests with SLA targets, satisfaction surveys and the churn curve.

Every record a user edits carries a `version` (stale writes are refused) and every write appends a
line to `DeliveryChange`, the app's one history. Targets, curves and checklists are data."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS
from kam.customers.models import Customer, Tier
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.approvals.models import ApprovalRequest
from kam.relationships.models import Contact

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _money(label: StrOrPromise, *, null: bool = False, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=null,
        blank=null,
        validators=NON_NEGATIVE,
        **kwargs,
    )


# Contracts -----------------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class Contract(models.Model):
    number = models.CharField(_("contract number"), max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contracts"
    )
    # The amount in force: the signed amount plus every amendment's change.
    amount = _money(_("amount"))
    sign_date = models.DateField(_("sign date"), null=True, blank=True)
    starts_on = models.DateField(_("term starts"), null=True, blank=True)
    ends_on = models.DateField(_("term ends"), null=True, blank=True)
    our_party = models.CharField(_("our party"), max_length=200, blank=True)
    customer_party = models.CharField(_("customer's party"), max_length=200, blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    approval = models.ForeignKey(
        ApprovalRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    terminated_reason = models.TextField(_("reason for termination"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-sign_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="contract_term_in_order",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="contract_customer_status_idx"),
            models.Index(fields=["owner", "status"], name="contract_owner_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("delivery_contracts:detail", kwargs={"pk": self.pk})


class ContractAmendment(models.Model):
    """A change of scope: the amount moves by `amount_change` (negative for a reduction), with a reason."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    signed_on = models.DateField(_("signed on"))
    amount_change = models.DecimalField(_("amount change"), max_digits=MONEY_DIGITS, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        ordering = ["signed_on", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount_change:+}"


def attachment_path(instance: ContractAttachment, filename: str) -> str:
    return f"contracts/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


# Payments (回款) -------------------------------------------------------------------------------------


class Instalment(models.Model):
    """One line of a contract's payment plan. `percentage` is kept when the plan was written in
    per cent (the amount follows it when the contract's amount changes); `received` is the sum of
    the payments matched to it, kept by the services so receivables are one indexed read."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="instalments")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("instalment"), max_length=100)
    amount = _money(_("amount"))
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    due_date = models.DateField(_("due date"))
    condition = models.CharField(_("condition"), max_length=300, blank=True)
    received = _money(_("received"), default=Decimal("0"), editable=False)
    invoiced = _money(_("invoiced"), default=Decimal("0"), editable=False)
    # Set when `received` reaches `amount`: the day the last payment counted for it came in.
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_date", "order", "id"]
        indexes = [
            models.Index(fields=["due_date"], name="instalment_due_idx", condition=Q(paid_on__isnull=True))
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.received, Decimal("0"))


class Payment(models.Model):
    """Money received from the customer against a contract (回款)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    received_on = models.DateField(_("received on"))
    amount = _money(_("amount"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount}"


class PaymentAllocation(models.Model):
    """The part of a payment matched to one instalment (a payment may cover several, partly)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="allocations")
    amount = _money(_("amount"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.UniqueConstraint(fields=["payment", "instalment"], name="payment_allocation_once")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.instalment_id}: {self.amount}"


class Invoice(models.Model):
    """An invoice issued (开票), optionally against one instalment."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="invoices")
    instalment = models.ForeignKey(
        Instalment, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    amount = _money(_("amount"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="invoice_number_once")]

    def __str__(self) -> str:
        return self.number


# Implementation (项目实施计划表) ----------------------------------------------------------------------


class ProjectStatus(models.TextChoices):
    HANDOVER = "handover", _("Hand-over")
    IN_PROGRESS = "in_progress", _("In progress")
    ACCEPTED = "accepted", _("Accepted and closed")


class Project(models.Model):
    """The implementation of a contract: hand-over from sales, the plan's rows, acceptance."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="project"
    )
    manager = models.ForeignKey(
        User, verbose_name=_("project manager"), on_delete=models.PROTECT, related_name="managed_projects"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.HANDOVER
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True, editable=False)
    handed_over_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    accepted_on = models.DateField(_("acceptance date"), null=True, blank=True)
    closing_notes = models.TextField(_("closing notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("implementation project")
        verbose_name_plural = _("implementation projects")

    def __str__(self) -> str:
        return str(self.contract)


class HandoverItem(models.Model):
    """The hand-over checklist's template (data): what sales passes to delivery."""

    text = models.CharField(_("item"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hand-over checklist item")
        verbose_name_plural = _("hand-over checklist items")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class HandoverCheck(models.Model):
    """One item of a project's hand-over checklist, ticked or not."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="handover_checks")
    item = models.ForeignKey(HandoverItem, on_delete=models.PROTECT, related_name="+")
    done = models.BooleanField(_("done"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "item"], name="handover_check_once")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.item_id}"


class WorkItem(models.Model):
    """A row of the implementation plan (§11): work item, content, target, start, end, owner,
    resources, checkpoint. A milestone row's acceptance releases the instalment tied to it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="work_items")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("work item"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    target = models.CharField(_("target"), max_length=300, blank=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="work_items"
    )
    resources = models.CharField(_("resources"), max_length=300, blank=True)
    checkpoint = models.CharField(_("checkpoint"), max_length=300, blank=True)
    is_milestone = models.BooleanField(_("acceptance milestone"), default=False)
    instalment = models.ForeignKey(
        Instalment,
        verbose_name=_("instalment released"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["starts_on", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="work_item_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


# Service requests ------------------------------------------------------------------------------------


class ServiceKind(models.Model):
    """Kinds of request (data): fault, question, change request, complaint, training …"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service request kind")
        verbose_name_plural = _("service request kinds")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class SlaTarget(models.Model):
    """Hours to first response and to resolution, per customer tier and priority (data); the
    warning comes `warn_percent` of the way to a target."""

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_hours = models.PositiveIntegerField(_("first response within (hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution within (hours)"))
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (% of the target)"), default=75, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["tier", "priority"]
        constraints = [models.UniqueConstraint(fields=["tier", "priority"], name="sla_target_once")]

    def __str__(self) -> str:
        return f"{self.tier}/{self.priority}"


class ServiceStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ServiceRequest(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="service_requests"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    kind = models.ForeignKey(ServiceKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # No request without an owner (§11).
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="service_requests"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.NEW
    )
    opened_at = models.DateTimeField(_("opened at"))
    # The SLA clock: due times fixed when the request is opened (or its priority changes).
    response_due_at = models.DateTimeField(_("first response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"], name="service_owner_status_idx"),
            models.Index(fields=["customer", "status"], name="service_customer_status_idx"),
            models.Index(
                fields=["resolution_due_at"],
                name="service_open_due_idx",
                condition=Q(resolved_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


# Satisfaction and churn --------------------------------------------------------------------------------


class SurveyScale(models.TextChoices):
    FIVE = "five", _("1–5 per question and overall")
    NPS = "nps", _("Net promoter score (0–10)")


class SurveyQuestion(models.Model):
    """The questions of the satisfaction survey (data)."""

    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SurveySource(models.TextChoices):
    TEAM = "team", _("Recorded by the team")
    FORM = "form", _("Entered from a returned form")


class SatisfactionSurvey(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="surveys"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("respondent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_on = models.DateField(_("taken on"))
    scale = models.CharField(_("scale"), max_length=5, choices=SurveyScale.choices, default=SurveyScale.FIVE)
    source = models.CharField(
        _("source"), max_length=5, choices=SurveySource.choices, default=SurveySource.TEAM
    )
    # 1–5 for the five-point scale; 0–10 for NPS (the score of the one "would you recommend" question).
    overall = models.PositiveSmallIntegerField(_("overall"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["customer", "-taken_on"], name="survey_customer_latest_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.taken_on}: {self.overall}"


class SurveyAnswer(models.Model):
    survey = models.ForeignKey(SatisfactionSurvey, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "question"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.question_id}: {self.score}"


class ChurnBand(models.Model):
    """The seed's churn curve as data: a satisfaction level (1 very dissatisfied … 5 very
    satisfied) and the churn probability it carries (80, 40, 20, 10, 1.5 %). NPS scores map onto
    the levels by `nps_from`..`nps_to`."""

    level = models.PositiveSmallIntegerField(
        _("satisfaction level"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    churn_percent = models.DecimalField(
        _("churn risk (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    nps_from = models.PositiveSmallIntegerField(_("NPS from"), validators=[MaxValueValidator(10)])
    nps_to = models.PositiveSmallIntegerField(_("NPS to"), validators=[MaxValueValidator(10)])

    class Meta:
        verbose_name = _("churn band")
        verbose_name_plural = _("churn curve")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level}: {self.churn_percent} %"


class CustomerCare(models.Model):
    """A customer's after-sale standing, kept by the delivery services so the customer page, the
    customer list, the scoring model and account plans read one row: the latest satisfaction and
    its churn risk, and the receivables overdue."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="care", primary_key=True)
    satisfaction_level = models.PositiveSmallIntegerField(null=True, blank=True)
    satisfaction_on = models.DateField(null=True, blank=True)
    churn_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    overdue_amount = _money(_("overdue"), default=Decimal("0"))
    oldest_overdue_due = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer care")
        verbose_name_plural = _("customer care")
        indexes = [models.Index(fields=["churn_percent"], name="care_churn_idx")]

    def __str__(self) -> str:
        return str(self.customer_id)


# History -------------------------------------------------------------------------------------------------


class DeliveryChange(models.Model):
    """Append-only history of every delivery record: the record's label and id, the action, who,
    when and what changed ({field: [old, new]})."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="delivery_changes")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    service_request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    record = models.CharField(max_length=40)
    record_id = models.PositiveBigIntegerField()
    action = models.CharField(_("action"), max_length=20)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery change")
        verbose_name_plural = _("delivery changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["record", "record_id"], name="delivery_change_record_idx")]

    def __str__(self) -> str:
        return f"{self.record} {self.record_id} {self.action}"
