"""What the bid's writes share: the version guard for the whole bid, the history rows, the checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError, RuleViolation
from kam.core.money import MAX_MONEY
from kam.opportunities.models import OpportunityStatus
from kam.org.models import User
from kam.planning.bids.models import (
    Bid,
    BidChange,
    BidDecision,
)

NO_BID_REASON = "no-bid"
BID_FIELDS = (
    "tender_reference",
    "tender_deadline",
    "assessment",
    "price",
    "proposal_owner",
    "partners",
    "presenters",
)


# History -----------------------------------------------------------------------------------------


def shown(value: Any) -> Any:
    """A value as the history keeps it (JSON): a record by its name, a date in ISO form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, User):
        return value.name or value.username
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(str(shown(v)) for v in value)
    return str(value)


def add_history(
    bid: Bid, action: str, by: User | None, summary: str = "", changes: dict | None = None
) -> None:
    BidChange.objects.create(
        bid=bid,
        opportunity_id=bid.opportunity_id,
        subject_label=bid.opportunity.name[:200],
        action=action,
        summary=summary[:300],
        changes=changes or {},
        changed_by=by,
    )


# Checks ------------------------------------------------------------------------------------------


def bump(bid: Bid, version: int | None, **fields: Any) -> None:
    """Write `fields` and the next version only if the bid still has the version read: the guard
    for the whole bid, its lines included (two people adding a cost line race here)."""
    expected = bid.version if version is None else version
    now = timezone.now()
    updated = Bid.objects.filter(pk=bid.pk, version=expected).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if updated == 0:
        current = Bid.objects.filter(pk=bid.pk).values_list("version", flat=True).first()
        raise ConflictError(current_version=current)
    for name, value in fields.items():
        setattr(bid, name, value)
    bid.version = expected + 1
    bid.updated_at = now


def check_editable(bid: Bid) -> None:
    """A bid is worked on while its deal is open and before the decision against bidding or the
    outcome; after that it is the deal's record."""
    if bid.opportunity.status != OpportunityStatus.OPEN:
        raise RuleViolation(_("The opportunity is closed: its bid no longer changes."))
    if bid.decision == BidDecision.NO_BID:
        raise RuleViolation(_("We decided not to bid: the bid no longer changes."))
    if bid.outcome:
        raise RuleViolation(_("The bid's outcome is recorded: the bid no longer changes."))


def check_person(field: str, user: User | None, errors: dict[str, list[str]]) -> None:
    if user is not None and not user.is_active:
        errors.setdefault(field, []).append(_("%(name)s is no longer active.") % {"name": user.name or user})


def check_money(field: str, value: Decimal | None, errors: dict[str, list[str]]) -> None:
    if value is not None and not Decimal(0) <= value <= MAX_MONEY:
        errors.setdefault(field, []).append(
            _("Enter an amount from 0 to %(max)s.") % {"max": f"{MAX_MONEY:,}"}
        )
