"""The playbook and the certification over JSON: the playbook per stage (administrators and
directors change it with If-Match), the certification board, a person's examinations (their
manager records them) and the key-tier owner rule (If-Match). The same services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access.permissions import may_edit_playbook
from kam.access.visibility import get_visible_stage
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.opportunities.models import Stage
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.team.playbook import selectors, services
from kam.team.playbook.models import CertificationElement, CertificationRecord, PlaybookEntry
from kam.team.playbook.schemas import (
    CertificationBoardOut,
    CertificationPersonOut,
    CertificationRecordIn,
    CertificationRecordOut,
    CertificationRuleOut,
    CertificationRuleUpdateIn,
    PlaybookEntryOut,
    PlaybookEntryUpdateIn,
)
from kam.team.playbook.selectors import Cell

router = Router(tags=["team playbook"])

FORBIDDEN_WRITE_ERRORS: dict[int, Any] = {**VERSIONED_WRITE_ERRORS, 403: ErrorOut}
RECORD_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 403: ErrorOut}


def _entry_out(stage: Stage, entry: PlaybookEntry | None) -> dict[str, Any]:
    def text(name: str) -> str:
        return getattr(entry, name) if entry else ""

    return {
        "stage_id": stage.pk,
        "stage_code": stage.code,
        "stage_name": stage.display_name,
        "process": stage.process.display_name,
        "key_node": stage.display_key_node,
        "version": entry.version if entry else 1,
        "what_to_do": entry.shown_what_to_do if entry else "",
        "questions": entry.shown_questions if entry else "",
        "materials": entry.shown_materials if entry else "",
        "what_to_do_zh": text("what_to_do"),
        "what_to_do_en": text("what_to_do_en"),
        "questions_zh": text("questions"),
        "questions_en": text("questions_en"),
        "materials_zh": text("materials"),
        "materials_en": text("materials_en"),
        "updated_by": user_ref(entry.updated_by) if entry else None,
    }


def _stage(user: User, stage_id: int) -> Stage:
    return get_visible_stage(
        user, stage_id, queryset=Stage.objects.select_related("process", "playbook__updated_by")
    )


def _cell_out(code: str, cell: Cell) -> dict[str, Any]:
    record = cell.record
    return {
        "element": code,
        "state": cell.state,
        "certified_on": record.certified_on if record else None,
        "certified_by": user_ref(record.certified_by) if record else None,
        "valid_until": record.valid_until if record else None,
    }


def _record_out(record: CertificationRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "person": user_ref(record.user),
        "element": record.element.code,
        "passed": record.passed,
        "certified_on": record.certified_on,
        "valid_until": record.valid_until,
        "certified_by": user_ref(record.certified_by),
        "note": record.note,
        "recorded_at": record.recorded_at,
    }


def _person(user: User, user_id: int) -> User:
    found = visible_users(user).filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found


# The playbook --------------------------------------------------------------------------------------


@router.get("/playbook/stages", response={200: list[PlaybookEntryOut]})
def playbook(request: HttpRequest) -> list[dict[str, Any]]:
    """Every stage of every sales process with its playbook (empty texts where none is written)."""
    stages = Stage.objects.select_related("process", "playbook__updated_by").order_by(
        "-process__is_default", "process__name", "order"
    )
    return [_entry_out(s, getattr(s, "playbook", None)) for s in stages]


@router.get("/playbook/stages/{int:stage_id}", response={200: PlaybookEntryOut, **READ_ERRORS})
def stage_playbook(request: HttpRequest, response: HttpResponse, stage_id: int) -> dict[str, Any]:
    stage = _stage(current_user(request), stage_id)
    entry = getattr(stage, "playbook", None)
    set_etag(response, entry.version if entry else 1)
    return _entry_out(stage, entry)


@router.patch("/playbook/stages/{int:stage_id}", response={200: PlaybookEntryOut, **FORBIDDEN_WRITE_ERRORS})
def update_stage_playbook(
    request: HttpRequest, response: HttpResponse, stage_id: int, payload: PlaybookEntryUpdateIn
) -> dict[str, Any]:
    """Change the stage's playbook texts (administrators and directors). Needs If-Match."""
    user = current_user(request)
    stage = _stage(user, stage_id)
    if not may_edit_playbook(user):
        raise PermissionDenied(_("Administrators and directors edit the playbook."))
    entry = selectors.entry_for(stage)
    version = expected_version(request, entry.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, services.ENTRY_FIELDS)
    services.update_entry(entry, by=user, version=version, **changes)
    stage = _stage(user, stage_id)
    entry = PlaybookEntry.objects.select_related("updated_by").get(stage=stage)
    set_etag(response, entry.version)
    return _entry_out(stage, entry)


# The certification ---------------------------------------------------------------------------------


@router.get("/playbook/certification", response={200: CertificationBoardOut})
def certification_board(request: HttpRequest) -> dict[str, Any]:
    """The reps you may see × the required elements, each cell the latest examination; certified
    means every element's latest examination passed and still valid today."""
    today = timezone.localdate()
    elements, rows = selectors.certification_board(current_user(request), today)
    return {
        "on": today,
        "elements": [
            {"id": e.pk, "code": e.code, "name": e.display_name, "description": e.shown_description}
            for e in elements
        ],
        "people": [
            {
                "person": user_ref(row.person),
                "certified": row.certified,
                "cells": [_cell_out(e.code, c) for e, c in zip(elements, row.cells, strict=True)],
            }
            for row in rows
        ],
    }


@router.get("/playbook/certification/{int:user_id}", response={200: CertificationPersonOut, **READ_ERRORS})
def person_certification(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """A person's standing per element and every examination, newest first."""
    person = _person(current_user(request), user_id)
    today = timezone.localdate()
    elements = list(CertificationElement.objects.filter(is_active=True))
    standing = {
        r.element_id: r
        for r in selectors.standing_records(today).filter(user=person).select_related("certified_by")
    }
    return {
        "person": user_ref(person),
        "certified": selectors.is_certified(person, today),
        "cells": [_cell_out(e.code, selectors.cell_of(standing.get(e.pk), today)) for e in elements],
        "records": [_record_out(r) for r in selectors.records_of(person).select_related("user")],
    }


@router.post(
    "/playbook/certification/{int:user_id}/records", response={201: CertificationRecordOut, **RECORD_ERRORS}
)
def record_examination(request: HttpRequest, user_id: int, payload: CertificationRecordIn) -> Status:
    """Record one examination (the person's manager or a director): passed or failed, on a day."""
    user = current_user(request)
    person = _person(user, user_id)
    element = CertificationElement.objects.filter(code=payload.element).first()
    if element is None:
        raise ValidationError({"element": [_("Unknown certification element.")]})
    record = services.record_examination(
        person, element, by=user, passed=payload.passed, on=payload.certified_on, note=payload.note
    )
    record = CertificationRecord.objects.select_related("user", "element", "certified_by").get(pk=record.pk)
    return Status(201, _record_out(record))


def _rule_out(response: HttpResponse) -> dict[str, Any]:
    rule = selectors.certification_rule()
    set_etag(response, rule.version)
    return {
        "enforce_key_owner": rule.enforce_key_owner,
        "key_tiers": rule.key_tiers,
        "validity_days": rule.validity_days,
        "version": rule.version,
    }


@router.get("/playbook/rule", response={200: CertificationRuleOut})
def certification_rule(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Whether only certified reps own key-tier customers, which tiers are key, how long a pass holds."""
    return _rule_out(response)


@router.patch("/playbook/rule", response={200: CertificationRuleOut, **FORBIDDEN_WRITE_ERRORS})
def update_certification_rule(
    request: HttpRequest, response: HttpResponse, payload: CertificationRuleUpdateIn
) -> dict[str, Any]:
    """Change the rule (administrators and directors). Needs If-Match."""
    user = current_user(request)
    if not may_edit_playbook(user):
        raise PermissionDenied(_("Administrators and directors change the certification rule."))
    rule = selectors.certification_rule()
    version = expected_version(request, rule.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("enforce_key_owner", "key_tiers"))
    services.update_rule(rule, by=user, version=version, **changes)
    return _rule_out(response)
