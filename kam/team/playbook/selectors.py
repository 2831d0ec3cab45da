"""Reads of the playbook and the certification: who is certified on a day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from kam.org.models import User
from kam.team.playbook.models import CertificationElement, CertificationRecord, CertificationRule


def certification_rule() -> CertificationRule:
    """The settings row; without one (flushed by a test), the defaults: the rule off."""
    return CertificationRule.objects.order_by("pk").first() or CertificationRule()


def standing_records(on: dt.date) -> QuerySet[CertificationRecord]:
    """Per person and required element, the latest examination up to `on` (one row each)."""
    latest = (
        CertificationRecord.objects.filter(
            user=OuterRef("user"), element=OuterRef("element"), certified_on__lte=on
        )
        .order_by("-certified_on", "-id")
        .values("id")[:1]
    )
    return CertificationRecord.objects.filter(
        certified_on__lte=on, element__is_active=True, id=Subquery(latest)
    )


def _passing(on: dt.date) -> QuerySet[CertificationRecord]:
    return (
        standing_records(on).filter(passed=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )


def certified_user_ids(on: dt.date) -> set[int]:
    """The people certified on `on`: every required element's latest examination passed and valid.

    With no required element nobody is certified (there is nothing they were examined on)."""
    required = CertificationElement.objects.filter(is_active=True).count()
    if required == 0:
        return set()
    rows = (
        _passing(on)
        .values("user")
        .annotate(passed_elements=Count("element", distinct=True))
        .filter(passed_elements=required)
        .values_list("user", flat=True)
    )
    return set(rows)


def is_certified(user: User, on: dt.date) -> bool:
    required = CertificationElement.objects.filter(is_active=True).count()
    if required == 0 or user.pk is None:
        return False
    return _passing(on).filter(user=user).values("element").distinct().count() == required
