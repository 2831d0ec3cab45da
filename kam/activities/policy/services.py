"""Writes of the visit policy and of people's selling hours: managers and above, one transaction each.

Policy rows are versioned: a stale edit is a conflict, not a lost update.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.activities.models import SellingCapacity, VisitPolicy
from kam.core.errors import ConflictError
from kam.core.versioning import versioned_update
from kam.customers.models import Segment, Tier
from kam.org.models import User

MAX_VISITS = 100
MAX_PERIOD_MONTHS = 24
MAX_HOURS_PER_VISIT = Decimal("100")
MAX_HOURS_PER_MONTH = Decimal("744")  # every hour of a 31-day month


def validate_values(visits: Any, period_months: Any, hours_per_visit: Any) -> dict[str, list[str]]:
    """The limits of a policy row, for saved rows and what-if values alike."""
    errors: dict[str, list[str]] = {}
    if not isinstance(visits, int) or not 1 <= visits <= MAX_VISITS:
        errors["visits"] = [_("Between 1 and %(max)s visits.") % {"max": MAX_VISITS}]
    if not isinstance(period_months, int) or not 1 <= period_months <= MAX_PERIOD_MONTHS:
        errors["period_months"] = [_("Between 1 and %(max)s months.") % {"max": MAX_PERIOD_MONTHS}]
    if (
        not isinstance(hours_per_visit, Decimal)
        or not Decimal("0.01") <= hours_per_visit <= MAX_HOURS_PER_VISIT
    ):
        errors["hours_per_visit"] = [_("Between 0.01 and %(max)s hours.") % {"max": MAX_HOURS_PER_VISIT}]
    return errors


def _check_hours_places(hours_per_visit: Decimal, errors: dict[str, list[str]]) -> None:
    if "hours_per_visit" not in errors and hours_per_visit != hours_per_visit.quantize(Decimal("0.01")):
        errors["hours_per_visit"] = [_("At most two decimal places (20 minutes are 0.33 h).")]


@transaction.atomic
def create_visit_policy(
    *, by: User, tier: str = "", segment: str = "", visits: int, period_months: int, hours_per_visit: Decimal
) -> VisitPolicy:
    """A row for a tier, or for a segment (covering the customers whose tier has no row)."""
    permissions.check_edit_visit_policy(by)
    errors = validate_values(visits, period_months, hours_per_visit)
    _check_hours_places(hours_per_visit, errors)
    if bool(tier) == bool(segment):
        errors["tier"] = [_("Choose a tier or a segment, not both.")]
    elif tier and tier not in Tier.values:
        errors["tier"] = [_("Unknown tier.")]
    elif segment and segment not in Segment.values:
        errors["segment"] = [_("Unknown segment.")]
    elif VisitPolicy.objects.filter(tier=tier, segment=segment).exists():
        errors["tier" if tier else "segment"] = [_("This tier or segment already has a visit policy.")]
    if errors:
        raise ValidationError(errors)
    policy = VisitPolicy.objects.create(
        tier=tier,
        segment=segment,
        visits=visits,
        period_months=period_months,
        hours_per_visit=hours_per_visit,
    )
    return policy


@transaction.atomic
def update_visit_policy(
    policy: VisitPolicy,
    *,
    by: User,
    version: int | None,
    visits: int | None = None,
    period_months: int | None = None,
    hours_per_visit: Decimal | None = None,
) -> VisitPolicy:
    """Change a row's numbers; `version` is the one read (None: the row as loaded)."""
    permissions.check_edit_visit_policy(by)
    new_visits = policy.visits if visits is None else visits
    new_months = policy.period_months if period_months is None else period_months
    new_hours = policy.hours_per_visit if hours_per_visit is None else hours_per_visit
    errors = validate_values(new_visits, new_months, new_hours)
    _check_hours_places(new_hours, errors)
    if errors:
        raise ValidationError(errors)
    values = {"visits": new_visits, "period_months": new_months, "hours_per_visit": new_hours}
    versioned_update(policy, version, **values)
    return policy


@transaction.atomic
def delete_visit_policy(policy: VisitPolicy, *, by: User, version: int | None = None) -> None:
    permissions.check_edit_visit_policy(by)
    current = VisitPolicy.objects.filter(pk=policy.pk).values_list("version", flat=True).first()
    if version is not None and current != version:
        raise ConflictError(current_version=current)
    # delete() on the instance, not on a queryset: the audit trail sees the deletion.
    policy.delete()


@transaction.atomic
def set_selling_capacity(person: User, *, by: User, hours_per_month: Decimal) -> SellingCapacity:
    """A person's selling hours per month, set by their manager."""
    permissions.check_set_selling_capacity(by, person)
    if not isinstance(hours_per_month, Decimal) or not Decimal(0) <= hours_per_month <= MAX_HOURS_PER_MONTH:
        raise ValidationError(
            {"hours_per_month": [_("Between 0 and %(max)s hours.") % {"max": MAX_HOURS_PER_MONTH}]}
        )
    if hours_per_month != hours_per_month.quantize(Decimal("0.1")):
        raise ValidationError({"hours_per_month": [_("At most one decimal place.")]})
    capacity, _created = SellingCapacity.objects.update_or_create(
        user=person, defaults={"hours_per_month": hours_per_month}
    )
    return capacity
