"""Reads of the playbook and the certification: who is certified on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from kam.opportunities.models import SalesProcess, Stage
from kam.org.models import Role, User
from kam.org.visibility import visible_users
from kam.team.playbook.models import (
    CertificationElement,
    CertificationRecord,
    CertificationRule,
    PlaybookEntry,
)


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


# The playbook and the certification board -----------------------------------------------------------


def playbook_stages(process: SalesProcess) -> list[Stage]:
    """The process's stages in order, each with its playbook entry (or None) in one query."""
    return list(process.stages.select_related("playbook").order_by("order"))


def entry_for(stage: Stage) -> PlaybookEntry:
    """The stage's entry, created empty the first time it is edited (a process added later)."""
    entry, _created = PlaybookEntry.objects.get_or_create(stage=stage)
    return entry


@dataclass
class Cell:
    record: CertificationRecord | None
    state: str  # "none", "passed", "expired" or "failed"


@dataclass
class BoardRow:
    person: User
    cells: list[Cell]
    certified: bool


def cell_of(record: CertificationRecord | None, on: dt.date) -> Cell:
    if record is None:
        return Cell(None, "none")
    if not record.passed:
        return Cell(record, "failed")
    return Cell(record, "passed" if is_valid_on(record, on) else "expired")


def certification_board(viewer: User, on: dt.date) -> tuple[list[CertificationElement], list[BoardRow]]:
    """The reps the viewer may see × the required elements: each cell the latest examination.

    Three queries whatever the number of people: the people, their standing records, the certified."""
    elements = list(CertificationElement.objects.filter(is_active=True))
    people = list(
        visible_users(viewer)
        .filter(is_active=True, role=Role.REP)
        .select_related("team")
        .order_by("name", "username")
    )
    ids = [p.pk for p in people]
    held: dict[int, dict[int, CertificationRecord]] = {pk: {} for pk in ids}
    for record in standing_records(on).filter(user_id__in=ids).select_related("certified_by"):
        held[record.user_id][record.element_id] = record
    certified = certified_user_ids(on) & set(ids) if ids else set()
    return elements, [
        BoardRow(p, [cell_of(held[p.pk].get(e.pk), on) for e in elements], p.pk in certified) for p in people
    ]


def records_of(user: User) -> QuerySet[CertificationRecord]:
    return (
        CertificationRecord.objects.filter(user=user)
        .select_related("element", "certified_by")
        .order_by("-certified_on", "-id")
    )


def is_valid_on(record: CertificationRecord, on: dt.date) -> bool:
    return record.passed and (record.valid_until is None or record.valid_until >= on)
