"""Service request writes (DOMAIN.md §11): open a request with its SLA clock, edit it (a new
priority recomputes the clock from the opening time), move it along its status flow, reassign it;
and the SLA watch that warns the owner before a target and escalates to the owner's manager after
a breach. Each write is one transaction with its history line (`DeliveryChange`, record
"service_request"); edits name the version they read.

Callers check visibility through kam.access (`get_visible_customer` to open,
`get_visible_service_request` for the rest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.errors import RuleViolation
from kam.core.versioning import require_version, versioned_update
from kam.customers.models import Customer
from kam.delivery.history import record
from kam.delivery.models import (
    Contract,
    Priority,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
    SlaTarget,
)
from kam.delivery.numbering import next_number, service_pattern
from kam.org.models import Team, User
from kam.relationships.models import Contact

RECORD = "service_request"
SUBJECT_MAX = 200
TEXT_MAX = 10_000

# Where the data has no target for a tier and priority: a working week to resolve, a day to answer.
DEFAULT_RESPONSE_HOURS = 24
DEFAULT_RESOLUTION_HOURS = 120
DEFAULT_WARN_PERCENT = 75

OPEN_STATUSES = (
    ServiceStatus.NEW,
    ServiceStatus.ACKNOWLEDGED,
    ServiceStatus.IN_PROGRESS,
    ServiceStatus.WAITING,
)

# The status flow: new → acknowledged → in progress ↔ waiting → resolved → closed; a resolved
# request may be reopened (back to in progress). A quick answer may resolve an acknowledged one.
MOVES: dict[str, tuple[str, ...]] = {
    ServiceStatus.NEW: (ServiceStatus.ACKNOWLEDGED,),
    ServiceStatus.ACKNOWLEDGED: (ServiceStatus.IN_PROGRESS, ServiceStatus.WAITING, ServiceStatus.RESOLVED),
    ServiceStatus.IN_PROGRESS: (ServiceStatus.WAITING, ServiceStatus.RESOLVED),
    ServiceStatus.WAITING: (ServiceStatus.IN_PROGRESS, ServiceStatus.RESOLVED),
    ServiceStatus.RESOLVED: (ServiceStatus.CLOSED, ServiceStatus.IN_PROGRESS),
    ServiceStatus.CLOSED: (),
}
# The buttons' words for each move.
MOVE_LABELS: dict[tuple[str, str], Any] = {
    (ServiceStatus.NEW, ServiceStatus.ACKNOWLEDGED): gettext_lazy("Acknowledge"),
    (ServiceStatus.ACKNOWLEDGED, ServiceStatus.IN_PROGRESS): gettext_lazy("Start work"),
    (ServiceStatus.ACKNOWLEDGED, ServiceStatus.WAITING): gettext_lazy("Wait for the customer"),
    (ServiceStatus.ACKNOWLEDGED, ServiceStatus.RESOLVED): gettext_lazy("Resolve"),
    (ServiceStatus.IN_PROGRESS, ServiceStatus.WAITING): gettext_lazy("Wait for the customer"),
    (ServiceStatus.IN_PROGRESS, ServiceStatus.RESOLVED): gettext_lazy("Resolve"),
    (ServiceStatus.WAITING, ServiceStatus.IN_PROGRESS): gettext_lazy("Resume work"),
    (ServiceStatus.WAITING, ServiceStatus.RESOLVED): gettext_lazy("Resolve"),
    (ServiceStatus.RESOLVED, ServiceStatus.CLOSED): gettext_lazy("Close"),
    (ServiceStatus.RESOLVED, ServiceStatus.IN_PROGRESS): gettext_lazy("Reopen"),
}
EDITABLE_FIELDS = ("kind", "priority", "subject", "description", "contact", "contract")


# The SLA clock -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaTerms:
    response_hours: int
    resolution_hours: int
    warn_percent: int
    # True when no SlaTarget row matched and the defaults above apply.
    is_default: bool = False


def sla_terms(tier: str, priority: str) -> SlaTerms:
    target = SlaTarget.objects.filter(tier=tier, priority=priority).first()
    if target is None:
        return SlaTerms(
            DEFAULT_RESPONSE_HOURS, DEFAULT_RESOLUTION_HOURS, DEFAULT_WARN_PERCENT, is_default=True
        )
    return SlaTerms(target.response_hours, target.resolution_hours, target.warn_percent)


def due_times(opened_at: dt.datetime, terms: SlaTerms) -> tuple[dt.datetime, dt.datetime]:
    """Due times run on the clock (round-the-clock service), from the opening time."""
    return (
        opened_at + dt.timedelta(hours=terms.response_hours),
        opened_at + dt.timedelta(hours=terms.resolution_hours),
    )


def default_note(customer: Customer, priority: str) -> str:
    return _(
        "No SLA target for tier %(tier)s and priority %(priority)s: the default of %(response)d hours "
        "to respond and %(resolution)d hours to resolve applies."
    ) % {
        "tier": customer.tier,
        "priority": Priority(priority).label,
        "response": DEFAULT_RESPONSE_HOURS,
        "resolution": DEFAULT_RESOLUTION_HOURS,
    }


# Checks ------------------------------------------------------------------------------------------


def _check_fields(customer: Customer, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "subject" in values:
        subject = (values["subject"] or "").strip()
        if not subject:
            errors["subject"] = [_("Say in a few words what the customer needs.")]
        elif len(subject) > SUBJECT_MAX:
            errors["subject"] = [_("At most %(count)d characters.") % {"count": SUBJECT_MAX}]
    if len(values.get("description") or "") > TEXT_MAX:
        errors["description"] = [_("At most %(count)d characters.") % {"count": TEXT_MAX}]
    if "priority" in values and values["priority"] not in Priority.values:
        errors["priority"] = [_("Pick one of the priorities.")]
    kind = values.get("kind", ...)
    if kind is not ... and (not isinstance(kind, ServiceKind) or not kind.is_active):
        errors["kind"] = [_("Pick a kind of request.")]
    contact = values.get("contact")
    if contact is not None and (not isinstance(contact, Contact) or contact.customer_id != customer.pk):
        errors["contact"] = [_("Pick a contact of this customer.")]
    contract = values.get("contract")
    if contract is not None and (not isinstance(contract, Contract) or contract.customer_id != customer.pk):
        errors["contract"] = [_("Pick a contract of this customer.")]
    if errors:
        raise ValidationError(errors)


def _check_owner(owner: User | None) -> User:
    if owner is None or not owner.is_active:
        raise ValidationError(
            {"owner": [_("A service request needs an owner: pick the active person who will handle it.")]}
        )
    return owner


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


# Writes ------------------------------------------------------------------------------------------


def _forget_warning(sr: ServiceRequest) -> None:
    """A new clock (a new priority, or the response given) warns afresh. The watch writes
    `warned_at` without touching the version, so this reads the row, not the caller's copy; an
    escalated request stays as it is."""
    ServiceRequest.objects.filter(pk=sr.pk, escalated_at__isnull=True).update(warned_at=None)
    if sr.escalated_at is None:
        sr.warned_at = None


@transaction.atomic
def open_request(
    *,
    by: User,
    customer: Customer,
    kind: ServiceKind | None,
    subject: str,
    priority: str = Priority.NORMAL,
    description: str = "",
    contact: Contact | None = None,
    contract: Contract | None = None,
    owner: User | None = None,
    opened_at: dt.datetime | None = None,
) -> ServiceRequest:
    """A new request; the owner defaults to the customer's owner. The due times are fixed now from
    the SLA target of the customer's tier and the priority (the default terms, said in the
    history, when the data has none)."""
    _check_fields(
        customer,
        {
            "subject": subject,
            "description": description,
            "priority": priority,
            "kind": kind,
            "contact": contact,
            "contract": contract,
        },
    )
    assert kind is not None  # _check_fields refused a missing kind
    owner = _check_owner(owner if owner is not None else customer.owner)
    opened_at = opened_at or timezone.now()
    terms = sla_terms(customer.tier, priority)
    response_due, resolution_due = due_times(opened_at, terms)
    sr = ServiceRequest.objects.create(
        number=next_number(service_pattern(), timezone.localdate(opened_at)),
        customer=customer,
        contact=contact,
        contract=contract,
        kind=kind,
        priority=priority,
        subject=subject.strip(),
        description=description,
        owner=owner,
        opened_at=opened_at,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        created_by=by,
    )
    summary = _("Opened %(number)s for %(owner)s") % {"number": sr.number, "owner": owner}
    if terms.is_default:
        summary = f"{summary}. {default_note(customer, priority)}"
    record(
        customer=customer,
        record=RECORD,
        record_id=sr.pk,
        action="created",
        by=by,
        summary=summary[:300],
        changes={
            "response_due_at": [None, response_due.isoformat()],
            "resolution_due_at": [None, resolution_due.isoformat()],
        },
        service_request=sr,
    )
    return sr


@transaction.atomic
def update_request(sr: ServiceRequest, *, by: User, version: int | None, **changes: Any) -> list[str]:
    """Edit the request's details. A new priority recomputes both due times from `opened_at` (and a
    warning already given is forgotten, so the new clock warns in its turn). Returns notes for the
    user (the default terms applied)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if sr.status == ServiceStatus.CLOSED:
        raise RuleViolation(_("A closed request can no longer be edited."))
    _check_fields(sr.customer, changes)
    if "subject" in changes:
        changes["subject"] = changes["subject"].strip()
    fields = {name: value for name, value in changes.items() if getattr(sr, name) != value}
    notes: list[str] = []
    if "priority" in fields:
        terms = sla_terms(sr.customer.tier, fields["priority"])
        fields["response_due_at"], fields["resolution_due_at"] = due_times(sr.opened_at, terms)
        if terms.is_default:
            notes.append(default_note(sr.customer, fields["priority"]))
    old = {name: getattr(sr, name) for name in fields}
    versioned_update(sr, version, **fields)
    if "priority" in fields:
        _forget_warning(sr)
    if fields:
        record(
            customer=sr.customer,
            record=RECORD,
            record_id=sr.pk,
            action="updated",
            by=by,
            summary=" ".join(notes)[:300],
            changes={name: [_json(old[name]), _json(value)] for name, value in fields.items()},
            service_request=sr,
        )
    return notes


@transaction.atomic
def reassign(sr: ServiceRequest, *, by: User, version: int | None, owner: User | None) -> ServiceRequest:
    owner = _check_owner(owner)
    require_version(sr, version)
    if sr.status == ServiceStatus.CLOSED:
        raise RuleViolation(_("A closed request can no longer be reassigned."))
    previous = sr.owner
    versioned_update(sr, version, owner=owner)
    if previous.pk != owner.pk:
        record(
            customer=sr.customer,
            record=RECORD,
            record_id=sr.pk,
            action="reassigned",
            by=by,
            summary=_("Reassigned from %(old)s to %(new)s") % {"old": previous, "new": owner},
            changes={"owner": [str(previous), str(owner)]},
            service_request=sr,
        )
    return sr


def allowed_moves(sr: ServiceRequest) -> list[tuple[str, str]]:
    """(target status, button label) for the moves open from the request's status."""
    return [(to, str(MOVE_LABELS[(sr.status, to)])) for to in MOVES.get(sr.status, ())]


@transaction.atomic
def move(
    sr: ServiceRequest,
    *,
    by: User,
    version: int | None,
    to: str,
    resolution: str = "",
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """One step of the status flow. The first step (acknowledged) is the first response; resolving
    needs the resolution in words; reopening a resolved request clears its resolution time."""
    if to not in ServiceStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    require_version(sr, version)
    if to not in MOVES.get(sr.status, ()):
        raise RuleViolation(
            _("A request cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ServiceStatus(sr.status).label, "new": ServiceStatus(to).label},
            {"status": [_("Not a next step from the current status.")]},
        )
    now = now or timezone.now()
    fields: dict[str, Any] = {"status": to}
    resolution = (resolution or "").strip()
    if to == ServiceStatus.RESOLVED:
        if not resolution:
            raise ValidationError({"resolution": [_("Say how the request was resolved.")]})
        if len(resolution) > TEXT_MAX:
            raise ValidationError({"resolution": [_("At most %(count)d characters.") % {"count": TEXT_MAX}]})
        fields["resolution"] = resolution
        fields["resolved_at"] = now
    if sr.first_response_at is None and sr.status == ServiceStatus.NEW:
        fields["first_response_at"] = now
    if to == ServiceStatus.CLOSED:
        fields["closed_at"] = now
    reopening = sr.status == ServiceStatus.RESOLVED and to == ServiceStatus.IN_PROGRESS
    if reopening:
        fields["resolved_at"] = None
    old = {name: getattr(sr, name) for name in fields}
    versioned_update(sr, version, **fields)
    if "first_response_at" in fields:
        # The response clock's warning is answered; the resolution clock may warn in its turn.
        _forget_warning(sr)
    action = "reopened" if reopening else "status"
    summary = _("%(old)s → %(new)s") % {
        "old": ServiceStatus(old["status"]).label,
        "new": ServiceStatus(to).label,
    }
    record(
        customer=sr.customer,
        record=RECORD,
        record_id=sr.pk,
        action=action,
        by=by,
        summary=summary,
        changes={
            name: [_json(old[name]), _json(value)] for name, value in fields.items() if old[name] != value
        },
        service_request=sr,
    )
    return sr


# The SLA watch -----------------------------------------------------------------------------------


def manager_of(user: User) -> User | None:
    """The manager of the user's team; a manager's own escalations go up to the parent team's."""
    team: Team | None = user.team
    seen: set[int] = set()
    while team is not None and team.pk not in seen:
        seen.add(team.pk)
        if team.manager_id and team.manager_id != user.pk and team.manager and team.manager.is_active:
            return team.manager
        team = team.parent
    return None


def open_q() -> Q:
    return Q(status__in=OPEN_STATUSES)


def breached_q(now: dt.datetime) -> Q:
    """A target missed: still pending after its due time, or met late."""
    return (
        Q(first_response_at__isnull=True, response_due_at__lt=now, status__in=OPEN_STATUSES)
        | Q(first_response_at__gt=F("response_due_at"))
        | Q(resolved_at__isnull=True, resolution_due_at__lt=now, status__in=OPEN_STATUSES)
        | Q(resolved_at__gt=F("resolution_due_at"))
    )


def overdue_q(now: dt.datetime) -> Q:
    """Open and past a pending target's due time: what the watch escalates."""
    return open_q() & (
        Q(first_response_at__isnull=True, response_due_at__lt=now) | Q(resolution_due_at__lt=now)
    )


def warn_at(sr: ServiceRequest, warn_percent: int) -> dt.datetime:
    """When the pending target's clock passes `warn_percent`: the response target while no answer
    has gone out, the resolution target after."""
    due = sr.response_due_at if sr.first_response_at is None else sr.resolution_due_at
    return sr.opened_at + (due - sr.opened_at) * warn_percent / 100


@dataclass
class WatchResult:
    warned: int = 0
    escalated: int = 0


def _warn_terms() -> tuple[dict[tuple[str, str], int], dt.timedelta, dt.timedelta]:
    """The warning point per tier and priority, and how long before its due time a request can at
    most be warned, for the response and the resolution clock: a request due later than that from
    now cannot be at its warning point yet, so the watch does not read it. (A request opened under
    a longer target than any the data holds now is read from that bound on, so it may be warned
    later than its own point.)"""
    targets = list(SlaTarget.objects.all())
    percents = {(t.tier, t.priority): t.warn_percent for t in targets}
    least = min([DEFAULT_WARN_PERCENT, *percents.values()])
    longest_response = max([DEFAULT_RESPONSE_HOURS, *(t.response_hours for t in targets)])
    longest_resolution = max([DEFAULT_RESOLUTION_HOURS, *(t.resolution_hours for t in targets)])
    ahead = (100 - least) / 100
    return (
        percents,
        dt.timedelta(hours=longest_response * ahead),
        dt.timedelta(hours=longest_resolution * ahead),
    )


def watch(now: dt.datetime | None = None) -> WatchResult:
    """Warn the owners of open requests whose clock passed its warning point (once: `warned_at`),
    and escalate the open requests past a due time to the owner's manager (once: `escalated_at`).
    Each request is its own conditional UPDATE, so two watches running together write once."""
    now = now or timezone.now()
    result = WatchResult()
    percents, response_ahead, resolution_ahead = _warn_terms()
    near = Q(first_response_at__isnull=True, response_due_at__lte=now + response_ahead) | Q(
        first_response_at__isnull=False, resolution_due_at__lte=now + resolution_ahead
    )
    candidates = (
        ServiceRequest.objects.filter(open_q(), near, warned_at__isnull=True, escalated_at__isnull=True)
        .select_related("customer", "owner")
        .order_by("pk")
    )
    for sr in candidates.iterator(chunk_size=500):
        percent = percents.get((sr.customer.tier, sr.priority), DEFAULT_WARN_PERCENT)
        due = sr.response_due_at if sr.first_response_at is None else sr.resolution_due_at
        # Past due already: the escalation below says so, a warning first would only be noise.
        if warn_at(sr, percent) > now or due < now:
            continue
        with transaction.atomic():
            if ServiceRequest.objects.filter(pk=sr.pk, warned_at__isnull=True).update(warned_at=now):
                result.warned += 1
                record(
                    customer=sr.customer,
                    record=RECORD,
                    record_id=sr.pk,
                    action="warned",
                    by=None,
                    summary=_("SLA at risk: %(owner)s warned") % {"owner": sr.owner},
                    changes={"warned_at": [None, now.isoformat()]},
                    service_request=sr,
                )
    overdue = (
        ServiceRequest.objects.filter(overdue_q(now), escalated_at__isnull=True)
        .select_related("customer", "owner__team__manager")
        .order_by("pk")
    )
    for sr in overdue.iterator(chunk_size=500):
        manager = manager_of(sr.owner)
        with transaction.atomic():
            updated = ServiceRequest.objects.filter(pk=sr.pk, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=manager, warned_at=sr.warned_at or now
            )
            if not updated:
                continue
            result.escalated += 1
            summary = (
                _("SLA breached: escalated to %(manager)s") % {"manager": manager}
                if manager
                else _("SLA breached: %(owner)s has no manager to escalate to") % {"owner": sr.owner}
            )
            record(
                customer=sr.customer,
                record=RECORD,
                record_id=sr.pk,
                action="escalated",
                by=None,
                summary=summary,
                changes={"escalated_to": [None, str(manager) if manager else None]},
                service_request=sr,
            )
    return result
