"""The reminders due on a day, read from the other apps' records: one producer per kind, each a
fixed number of queries whatever the number of records (never a query per record), each reminder
keyed so that a second run finds it already delivered.

A reminder's key names its record and the fact it is about (a date, a step): the same deal with a
new sign date, a flag raised again, the next review after one held, each is a new reminder; the
same fact on the next day is not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from kam.activities.models import Activity, ActivityStatus
from kam.activities.policy.selectors import under_visited
from kam.delivery.models import Instalment, ServiceRequest
from kam.delivery.payments.services import RECEIVABLE_STATUSES
from kam.delivery.service.services import overdue_q
from kam.insights.health.engine import local_date
from kam.insights.health.rules import NoUpdate
from kam.insights.models import HealthRule, StoredFlag
from kam.notifications.models import NotificationKind
from kam.notifications.services import Reminder
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import Role, User
from kam.planning.accountplans.models import AccountPlan, PlanStatus
from kam.planning.accountplans.reviews.selectors import remind_days
from kam.planning.approvals.models import (
    ApprovalAssignment,
    ApprovalDecision,
    ApprovalStatus,
)

# How far ahead a date is "near": the sign date of an open deal, an instalment's due date, a
# next step. Past the window a reminder would be noise; the Health flags cover late deals.
SIGN_DATE_DAYS = 14
PAYMENT_DUE_DAYS = 7
NEXT_STEP_AHEAD_DAYS = 1
# A next step found late (a missed run, a step logged after its date) is still reminded this long.
NEXT_STEP_BACK_DAYS = 7
# The stale reminder leaves to the health flags what the health rule reads: its own code.
STALE_RULE = NoUpdate.code


@dataclass(frozen=True)
class Clock:
    now: dt.datetime
    today: dt.date

    @classmethod
    def at(cls, now: dt.datetime | None = None) -> Clock:
        now = now or timezone.now()
        return cls(now=now, today=local_date(now))


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


# --- approvals --------------------------------------------------------------------------------------


def approvals_waiting(clock: Clock) -> list[Reminder]:
    """Each approver of a pending request's current step who has not decided yet: once per step."""
    decided = ApprovalDecision.objects.filter(
        request=OuterRef("request"), step=OuterRef("step"), approver=OuterRef("approver")
    )
    rows = (
        ApprovalAssignment.objects.filter(
            request__status=ApprovalStatus.PENDING,
            step_id=F("request__current_step_id"),
            approver__is_active=True,
        )
        .exclude(Exists(decided))
        .values_list("approver_id", "request_id", "step_id", "request__title")
        .order_by("request_id", "approver_id")
    )
    return [
        Reminder(
            recipient_id=approver,
            kind=NotificationKind.APPROVAL_WAITING,
            dedupe_key=f"approval:{request}:{step}",
            params={"title": title},
            url=_url("planning_approvals:request", request),
            record_label="approval",
            record_id=request,
        )
        for approver, request, step, title in rows
    ]


# --- deals ------------------------------------------------------------------------------------------


def _open_deals() -> Q:
    return Q(status=OpportunityStatus.OPEN, owner__is_active=True)


def deals_flagged(clock: Clock) -> list[Reminder]:
    """Health flags stored on open deals, to the deal's owner: once each time a flag is raised
    (a flag still raised keeps its time). No activity for too long is the stale reminder's."""
    rows = (
        StoredFlag.objects.filter(
            opportunity__status=OpportunityStatus.OPEN,
            opportunity__owner__is_active=True,
            rule__active=True,
        )
        .exclude(rule__code=STALE_RULE)
        .values_list(
            "opportunity_id",
            "opportunity__owner_id",
            "opportunity__name",
            "rule__code",
            "rule__name",
            "rule__name_en",
            "raised_at",
        )
        .order_by("opportunity_id", "rule__order", "rule__code")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.DEAL_FLAGGED,
            dedupe_key=f"flag:{opp}:{code}:{raised_at.isoformat()}",
            params={"deal": name, "rule": rule, "rule_en": rule_en, "code": code},
            url=_url("opportunities:detail", opp),
            record_label="opportunity",
            record_id=opp,
        )
        for opp, owner, name, code, rule, rule_en, raised_at in rows
    ]


def sign_dates_near(clock: Clock, days: int = SIGN_DATE_DAYS) -> list[Reminder]:
    """Open deals expected to sign within `days` (today included): once per sign date."""
    rows = (
        Opportunity.objects.filter(
            _open_deals(),
            sign_date__gte=clock.today,
            sign_date__lte=clock.today + dt.timedelta(days=days),
        )
        .values_list("pk", "owner_id", "name", "sign_date")
        .order_by("sign_date", "pk")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.SIGN_DATE_NEAR,
            dedupe_key=f"sign:{pk}:{sign_date.isoformat()}",
            params={
                "deal": name,
                "date": sign_date.isoformat(),
                "days": (sign_date - clock.today).days,
            },
            url=_url("opportunities:detail", pk),
            record_label="opportunity",
            record_id=pk,
        )
        for pk, owner, name, sign_date in rows
        if sign_date is not None  # filtered by the query; narrows the type
    ]


def _stale_thresholds() -> tuple[dict[str, int], int] | None:
    """The no-update health rule's days per stage and its default, or None when the rule is off."""
    row = HealthRule.objects.filter(code=STALE_RULE).only("active", "thresholds").first()
    if row is not None and not row.active:
        return None
    thresholds = {**NoUpdate.defaults, **((row.thresholds if row else None) or {})}
    by_stage = {str(k): int(v) for k, v in (thresholds.get("days_by_stage") or {}).items()}
    return by_stage, int(thresholds["default_days"])


def deals_stale(clock: Clock) -> list[Reminder]:
    """Open deals with no activity for longer than the health rule allows in their stage (its
    thresholds, the same cut-off as the flag): once per last touch, so a new activity that goes
    stale again is a new reminder."""
    found = _stale_thresholds()
    if found is None:
        return []
    by_stage, default_days = found
    cutoff = Case(
        *[
            When(stage__code=code, then=Value(clock.now - dt.timedelta(days=days), DateTimeField()))
            for code, days in by_stage.items()
        ],
        default=Value(clock.now - dt.timedelta(days=default_days), DateTimeField()),
        output_field=DateTimeField(),
    )
    rows = (
        Opportunity.objects.filter(_open_deals())
        .alias(last=Coalesce(F("last_touch_at"), F("created_at")), cutoff=cutoff)
        .filter(last__lt=F("cutoff"))
        .annotate(last_touch=Coalesce(F("last_touch_at"), F("created_at")))
        .values_list("pk", "owner_id", "name", "last_touch")
        .order_by("pk")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.DEAL_STALE,
            dedupe_key=f"stale:{pk}:{last.isoformat()}",
            params={"deal": name, "days": (clock.now - last).days, "since": last.isoformat()},
            url=_url("opportunities:detail", pk),
            record_label="opportunity",
            record_id=pk,
        )
        for pk, owner, name, last in rows
    ]


# --- activities -------------------------------------------------------------------------------------


def next_steps_due(clock: Clock) -> list[Reminder]:
    """Next steps written on activities (on a deal or a customer) due by tomorrow, to the activity's
    owner: once per step and due date."""
    rows = (
        Activity.objects.filter(
            owner__is_active=True,
            next_step_due__gte=clock.today - dt.timedelta(days=NEXT_STEP_BACK_DAYS),
            next_step_due__lte=clock.today + dt.timedelta(days=NEXT_STEP_AHEAD_DAYS),
        )
        .exclude(next_step="")
        .exclude(status=ActivityStatus.CANCELLED)
        .values_list(
            "pk", "owner_id", "next_step", "next_step_due", "opportunity__name", "customer__name", "summary"
        )
        .order_by("next_step_due", "pk")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.NEXT_STEP_DUE,
            dedupe_key=f"next_step:{pk}:{due.isoformat()}",
            params={"step": step, "date": due.isoformat(), "about": deal or customer or summary},
            url=_url("activities:detail", pk),
            record_label="activity",
            record_id=pk,
        )
        for pk, owner, step, due, deal, customer, summary in rows
        if due is not None  # filtered by the query; narrows the type
    ]


def visits_due(clock: Clock) -> list[Reminder]:
    """Customers visited less than their visit policy asks this period (the under-visited list
    over every customer), to the customer's owner: once per customer and month."""
    everyone = User(role=Role.ADMIN, is_active=True)  # the list over all customers, for no one's page
    qs = under_visited(everyone, today=clock.today).qs
    rows = (
        qs.filter(owner__is_active=True)
        .select_related(None)
        .values_list("pk", "owner_id", "name", "required", "gap")  # type: ignore[misc]  # annotations
    )
    month = clock.today.strftime("%Y-%m")
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.VISIT_DUE,
            dedupe_key=f"visit:{pk}:{month}",
            params={"customer": name, "required": required, "done": required - gap},
            url=_url("customers:detail", pk),
            record_label="customer",
            record_id=pk,
        )
        for pk, owner, name, required, gap in rows
    ]


# --- account plans ----------------------------------------------------------------------------------


def plan_reviews_due(clock: Clock) -> list[Reminder]:
    """Active account plans whose next review falls within their segment's reminder window (or is
    past), to the plan's owner: once per due date (a held review sets the next one)."""
    window = Q()
    for segment, ahead in remind_days().items():
        window |= Q(customer__segment=segment, next_review_due__lte=clock.today + dt.timedelta(days=ahead))
    rows = (
        AccountPlan.objects.filter(
            window, status=PlanStatus.ACTIVE, next_review_due__isnull=False, owner__is_active=True
        )
        .values_list("pk", "owner_id", "customer__name", "year", "next_review_due")
        .order_by("next_review_due", "pk")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=NotificationKind.PLAN_REVIEW_DUE,
            dedupe_key=f"plan_review:{pk}:{due.isoformat()}",
            params={"customer": customer, "year": year, "date": due.isoformat()},
            url=_url("planning_accountplans:detail", pk),
            record_label="account_plan",
            record_id=pk,
        )
        for pk, owner, customer, year, due in rows
        if due is not None  # filtered by the query; narrows the type
    ]


# --- after the signature ----------------------------------------------------------------------------


def _instalments(clock: Clock, due: Q, kind: str, prefix: str) -> list[Reminder]:
    rows = (
        Instalment.objects.filter(
            due,
            paid_on__isnull=True,
            received__lt=F("amount"),
            contract__status__in=RECEIVABLE_STATUSES,
            contract__owner__is_active=True,
        )
        .values_list("pk", "contract_id", "contract__owner_id", "contract__number", "name", "due_date")
        .order_by("due_date", "pk")
    )
    return [
        Reminder(
            recipient_id=owner,
            kind=kind,
            dedupe_key=f"{prefix}:{pk}:{due_date.isoformat()}",
            params={"contract": number, "instalment": name, "date": due_date.isoformat()},
            url=_url("delivery_payments:page", contract),
            record_label="contract",
            record_id=contract,
        )
        for pk, contract, owner, number, name, due_date in rows
    ]


def payments_due(clock: Clock, days: int = PAYMENT_DUE_DAYS) -> list[Reminder]:
    """Unpaid instalments of signed contracts due within `days` (today included), to the contract's
    owner: once per due date."""
    window = Q(due_date__gte=clock.today, due_date__lte=clock.today + dt.timedelta(days=days))
    return _instalments(clock, window, NotificationKind.PAYMENT_DUE, "payment_due")


def payments_overdue(clock: Clock) -> list[Reminder]:
    """Unpaid instalments past their due date (one due today is not overdue yet): once per due date."""
    return _instalments(
        clock, Q(due_date__lt=clock.today), NotificationKind.PAYMENT_OVERDUE, "payment_overdue"
    )


def sla_breaches(clock: Clock) -> list[Reminder]:
    """Open service requests past a pending target's due time, to the owner and to the manager the
    SLA watch escalated to: once per request and target (response, then resolution)."""
    rows = (
        ServiceRequest.objects.filter(overdue_q(clock.now))
        .values_list(
            "pk",
            "owner_id",
            "owner__is_active",
            "escalated_to_id",
            "number",
            "subject",
            "first_response_at",
        )
        .order_by("pk")
    )
    reminders = []
    for pk, owner, active, manager, number, subject, answered in rows:
        target = "resolution" if answered else "response"
        for recipient in {owner if active else None, manager} - {None}:
            reminders.append(
                Reminder(
                    recipient_id=recipient,  # type: ignore[arg-type]  # None removed above
                    kind=NotificationKind.SLA_BREACH,
                    dedupe_key=f"sla:{pk}:{target}",
                    params={"number": number, "subject": subject, "target": target},
                    url=_url("delivery_service:detail", pk),
                    record_label="service_request",
                    record_id=pk,
                )
            )
    return reminders


PRODUCERS: dict[str, Callable[[Clock], list[Reminder]]] = {
    NotificationKind.APPROVAL_WAITING: approvals_waiting,
    NotificationKind.DEAL_FLAGGED: deals_flagged,
    NotificationKind.SIGN_DATE_NEAR: sign_dates_near,
    NotificationKind.DEAL_STALE: deals_stale,
    NotificationKind.NEXT_STEP_DUE: next_steps_due,
    NotificationKind.PAYMENT_DUE: payments_due,
    NotificationKind.PAYMENT_OVERDUE: payments_overdue,
    NotificationKind.VISIT_DUE: visits_due,
    NotificationKind.PLAN_REVIEW_DUE: plan_reviews_due,
    NotificationKind.SLA_BREACH: sla_breaches,
}
