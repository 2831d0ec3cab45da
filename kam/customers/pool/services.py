"""Writes of the public pool: the daily pass (warn, then return or ask a manager), a manager's
decision on a key customer's return, and a claim. Every move is a line of the customer's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core import audit
from kam.customers import owner_checks
from kam.customers.history import both_languages
from kam.customers.models import Customer, CustomerChange, PoolReturnRequest, PoolSettings, ReturnStatus
from kam.customers.pool import clock, selectors
from kam.customers.pool.duplicates import check_duplicates
from kam.org.models import User

NOTE_MAX = 500


@dataclass
class PassResult:
    warned: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    requested: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)


def _history(customer_id: int, by: User | None, render: Callable[[], str]) -> CustomerChange:
    return CustomerChange(customer_id=customer_id, changed_by=by, **both_languages(render))


BATCH = 500


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


# History lines, rendered once per shipped language (kam.core.bilingual).


def _warned(due: dt.date) -> Callable[[], str]:
    return lambda: (
        _("Warned: returns to the public pool on %(day)s unless its owner logs an activity with it")
        % {"day": due.isoformat()}
    )


def _withdrawn() -> str:
    return _("Return to the public pool withdrawn: its owner was active again")


def _requested(days: int) -> Callable[[], str]:
    return lambda: (
        _(
            "Return to the public pool requested: no activity by its owner for %(days)s days; "
            "a manager approves or rejects it"
        )
        % {"days": days}
    )


def _returned(days: int) -> Callable[[], str]:
    return lambda: (
        _("Returned to the public pool: no activity by its owner for %(days)s days") % {"days": days}
    )


def _pool(customer_id: int, *, now: dt.datetime) -> bool:
    """Move one held customer into the pool; False when it is not held any more."""
    return bool(
        Customer.objects.filter(pk=customer_id, in_pool=False).update(
            in_pool=True,
            pooled_at=now,
            previous_owner_id=F("owner_id"),
            pool_due_on=None,
            claimed_at=None,
            version=F("version") + 1,
        )
    )


def run_pass(today: dt.date | None = None) -> PassResult:
    """The daily pass: each customer a rule governs whose owner has been idle with it into the
    warning window is warned (its return day stored, one history line); past the rule's days it
    returns to the pool, or, when the rule needs approval, a return request waits for a manager.
    A customer whose owner has been active since is no longer warned, and its request is withdrawn.

    Statements: one per rule to find the idle customers (an indexed subquery per customer), then
    the writes of the customers that changed state."""
    today = today or timezone.localdate()
    now = timezone.now()
    rules = clock.Rules.load()
    result = PassResult()
    due_now: dict[int, int] = {}  # customer id -> idle days, for those past their rule's days
    needs_approval: set[int] = set()
    warn: dict[int, dt.date] = {}
    candidates: set[int] = set()
    for rule, scope in rules.scopes():
        # Idle since before this day: in the warning window today or beyond it.
        threshold = clock.start_of_day(today - dt.timedelta(days=rule.days - rule.warning_days))
        rows: Any = (
            clock.with_clock(Customer.objects.filter(scope, in_pool=False))
            .filter(idle_since__lt=threshold)  # type: ignore[misc]  # an annotation
            .values_list("pk", "idle_since", "pool_due_on")
        )
        for pk, idle_since, stored_due in rows:
            candidates.add(pk)
            due = clock.due_on(idle_since, rule)
            if today >= due:
                due_now[pk] = clock.idle_days(idle_since, today)
                if rule.needs_approval:
                    needs_approval.add(pk)
                    if stored_due != due:
                        warn[pk] = due
            elif stored_due != due:
                warn[pk] = due
    with transaction.atomic():
        # Warnings: a history line when the return day is first set or moves.
        by_day: dict[dt.date, list[int]] = {}
        for pk, due in warn.items():
            by_day.setdefault(due, []).append(pk)
        for due, ids in by_day.items():
            for chunk in _chunks(ids):
                Customer.objects.filter(pk__in=chunk).update(pool_due_on=due)
        CustomerChange.objects.bulk_create(
            (_history(pk, None, _warned(due)) for pk, due in sorted(warn.items())), batch_size=BATCH
        )
        result.warned = sorted(warn)
        # Owners active again (or no rule any more): no warning, no request.
        warned_before = Customer.objects.filter(in_pool=False, pool_due_on__isnull=False).values_list(
            "pk", flat=True
        )
        result.cleared = sorted(set(warned_before) - candidates)
        for chunk in _chunks(result.cleared):
            Customer.objects.filter(pk__in=chunk).update(pool_due_on=None)
        pending = dict(
            PoolReturnRequest.objects.filter(status=ReturnStatus.PENDING).values_list("customer_id", "pk")
        )
        result.withdrawn = sorted(set(pending) - needs_approval)
        for chunk in _chunks([pending[pk] for pk in result.withdrawn]):
            PoolReturnRequest.objects.filter(pk__in=chunk).update(
                status=ReturnStatus.WITHDRAWN, decided_at=now
            )
        CustomerChange.objects.bulk_create(
            (_history(pk, None, _withdrawn) for pk in result.withdrawn), batch_size=BATCH
        )
        # Key customers: a request for a manager, once.
        result.requested = sorted(needs_approval - set(pending))
        owners: dict[int, int] = {}
        for chunk in _chunks(result.requested):
            owners.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "owner_id"))
        PoolReturnRequest.objects.bulk_create(
            (
                PoolReturnRequest(customer_id=pk, owner_id=owners[pk], idle_days=due_now[pk])
                for pk in result.requested
            ),
            batch_size=BATCH,
        )
        CustomerChange.objects.bulk_create(
            (_history(pk, None, _requested(due_now[pk])) for pk in result.requested), batch_size=BATCH
        )
        # The rest return now.
        for pk in sorted(set(due_now) - needs_approval):
            if _pool(pk, now=now):
                CustomerChange.objects.create(customer_id=pk, **both_languages(_returned(due_now[pk])))
                result.returned.append(pk)
    return result


def _pending_request(customer: Customer) -> PoolReturnRequest:
    request = (
        PoolReturnRequest.objects.select_for_update()
        .filter(customer_id=customer.pk, status=ReturnStatus.PENDING)
        .first()
    )
    if request is None:
        raise ValidationError(_("No return of this customer awaits a decision."))
    return request


def approve_return(customer: Customer, *, by: User, note: str = "") -> PoolReturnRequest:
    """A manager lets a key customer go back to the pool."""
    permissions.check_decide_pool_return(by, customer)
    now = timezone.now()
    with transaction.atomic():
        request = _pending_request(customer)
        request.status, request.decided_by, request.decided_at = ReturnStatus.APPROVED, by, now
        request.note = (note or "")[:NOTE_MAX]
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
        _pool(customer.pk, now=now)
        CustomerChange.objects.create(
            customer=customer,
            changed_by=by,
            **both_languages(
                lambda: (
                    _("Return to the public pool approved") + (f": {request.note}" if request.note else "")
                )
            ),
        )
    customer.refresh_from_db()
    return request


def reject_return(customer: Customer, *, by: User, note: str = "") -> PoolReturnRequest:
    """A manager keeps a key customer with its owner: the owner's clock starts again today."""
    permissions.check_decide_pool_return(by, customer)
    now = timezone.now()
    with transaction.atomic():
        request = _pending_request(customer)
        request.status, request.decided_by, request.decided_at = ReturnStatus.REJECTED, by, now
        request.note = (note or "")[:NOTE_MAX]
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
        Customer.objects.filter(pk=customer.pk).update(kept_since=now, pool_due_on=None)
        CustomerChange.objects.create(
            customer=customer,
            changed_by=by,
            **both_languages(
                lambda: (
                    _("Return to the public pool rejected: the owner keeps the customer")
                    + (f": {request.note}" if request.note else "")
                )
            ),
        )
    customer.refresh_from_db()
    return request


def claim_customer(customer: Customer, *, by: User, confirm_duplicates: bool = False) -> Customer:
    """Take a customer from the pool. Refused past the claim limit (customers the rep owns that
    they claimed within the window), when someone claimed it first, and, until confirmed, when
    another customer may be the same company."""
    permissions.check_claim_from_pool(by, customer)
    owner_checks.check(customer, by)
    check_duplicates(
        by,
        name=customer.name,
        credit_code=customer.credit_code,
        exclude_pk=customer.pk,
        confirmed=confirm_duplicates,
    )
    pool_settings = PoolSettings.current()
    now = timezone.now()
    with transaction.atomic():
        # One claimant's claims one at a time (PostgreSQL; SQLite has one writer anyway), so two
        # claims at once cannot both pass the limit.
        User.objects.select_for_update().filter(pk=by.pk).first()
        if selectors.claimed_count(by, pool_settings, now=now) >= pool_settings.claim_limit:
            raise ValidationError(
                _("You have claimed %(limit)s customers within %(days)s days, the most allowed.")
                % {"limit": pool_settings.claim_limit, "days": pool_settings.claim_window_days}
            )
        taken = Customer.objects.filter(pk=customer.pk, in_pool=True).update(
            in_pool=False,
            owner_id=by.pk,
            claimed_at=now,
            kept_since=now,
            pool_due_on=None,
            version=F("version") + 1,
        )
        if not taken:
            raise ValidationError(_("Someone else claimed this customer first."))
        previous = {"owner_id": customer.owner_id, "in_pool": True, "claimed_at": customer.claimed_at}
        CustomerChange.objects.create(
            customer=customer,
            changed_by=by,
            **both_languages(lambda: _("Claimed from the public pool by %(user)s") % {"user": by}),
        )
        # A change of owner written without save(): the audit trail is told (kam.core.audit).
        customer.refresh_from_db()
        with audit.acting_as(by):
            audit.log_update(customer, previous)
    return customer
