"""A deal's fishbone over JSON: visibility-scoped, writes through the same services as the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    ref,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.fishbone import selectors, services
from kam.planning.fishbone.models import FishboneCause
from kam.planning.fishbone.schemas import CauseIn, CauseOut, CauseUpdateIn, FishboneChangeOut, FishboneOut

router = Router(tags=["Fishbone"])

NOT_NULLABLE = ("bone", "text", "action", "status")


def _owner(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({"owner": [_("Unknown user.")]})
    return found


def _cause(by: User, cause_id: int) -> FishboneCause:
    cause = FishboneCause.objects.select_related("owner").filter(pk=cause_id).first()
    if cause is None:
        raise Http404
    get_visible_opportunity(by, cause.opportunity_id)  # 404 outside the caller's view
    return cause


@router.get(
    "/opportunities/{int:opportunity_id}/fishbone",
    response={200: FishboneOut, **READ_ERRORS},
    summary="A deal's fishbone: its causes bone by bone, their counts and the history",
)
def get_fishbone(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    opportunity = get_visible_opportunity(current_user(request), opportunity_id)
    rows = selectors.causes(opportunity)
    return {
        "opportunity": ref(opportunity),
        "counts": {
            "total": len(rows),
            "open": sum(1 for c in rows if c.status == "open"),
            "in_progress": sum(1 for c in rows if c.status == "in_progress"),
            "done": sum(1 for c in rows if c.status == "done"),
        },
        "causes": [CauseOut.from_cause(c) for c in rows],
        "history": [FishboneChangeOut.from_change(c) for c in selectors.history(opportunity)],
    }


@router.post(
    "/opportunities/{int:opportunity_id}/fishbone/causes",
    response={201: CauseOut, **WRITE_ERRORS},
    summary="Add a cause to a deal's fishbone",
)
def add_cause(request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: CauseIn) -> Status:
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    data = payload.model_dump()
    data["owner"] = _owner(data["owner"])
    cause = services.add_cause(opportunity, by=by, **data)
    set_etag(response, cause.version)
    return Status(201, CauseOut.from_cause(cause))


@router.get("/fishbone/causes/{int:cause_id}", response={200: CauseOut, **READ_ERRORS})
def get_cause(request: HttpRequest, response: HttpResponse, cause_id: int) -> dict[str, Any]:
    """One cause; the ETag header carries its version for If-Match."""
    cause = _cause(current_user(request), cause_id)
    set_etag(response, cause.version)
    return CauseOut.from_cause(cause)


@router.patch("/fishbone/causes/{int:cause_id}", response={200: CauseOut, **VERSIONED_WRITE_ERRORS})
def update_cause(
    request: HttpRequest, response: HttpResponse, cause_id: int, payload: CauseUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    cause = _cause(by, cause_id)
    version = expected_version(request, cause.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    if "owner" in changes:
        changes["owner"] = _owner(changes["owner"])
    services.update_cause(cause, by=by, version=version, **changes)
    set_etag(response, cause.version)
    return CauseOut.from_cause(cause)


@router.delete(
    "/fishbone/causes/{int:cause_id}",
    response={204: None, 404: ErrorOut, **VERSIONED_WRITE_ERRORS},
    summary="Delete a cause (its history stays)",
)
def delete_cause(request: HttpRequest, cause_id: int) -> Status:
    """Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    cause = _cause(by, cause_id)
    version = expected_version(request, cause.version)
    services.delete_cause(cause, by=by, version=version)
    return Status(204, None)
