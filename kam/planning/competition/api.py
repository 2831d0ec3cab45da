"""Competitors: JSON endpoints over the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_competitor, get_visible_opportunity
from kam.core.api.helpers import (
    LIST_ERRORS,
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
from kam.opportunities.models import Competitor, Opportunity
from kam.org.models import User
from kam.planning.competition import selectors, services
from kam.planning.competition.models import CompetitionChange, CompetitorSupporter, Dimension
from kam.planning.competition.schemas import (
    CompetitionAddIn,
    CompetitionCellsIn,
    CompetitionDimensionOut,
    CompetitionGridOut,
    CompetitionSupporterIn,
    CompetitorCreateIn,
    CompetitorDetailOut,
    CompetitorDirectoryFiltersIn,
    CompetitorDirectoryOut,
    CompetitorUpdateIn,
)

router = Router(tags=["Competitors"])


def _row(row: selectors.RecordRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        **{status: {"count": figure.count, "amount": figure.amount} for status, figure in row.figures},
    }


def _competitor_body(user: User, competitor: Competitor, response: HttpResponse) -> dict[str, Any]:
    profile = selectors.profile(competitor)
    record = selectors.record(user, competitor)
    set_etag(response, profile.version)
    return {
        "id": competitor.pk,
        "name": competitor.name,
        "notes": competitor.notes,
        "website": profile.website,
        "headquarters": profile.headquarters,
        "strengths": profile.strengths,
        "weaknesses": profile.weaknesses,
        "version": profile.version,
        "record": {
            "overall": _row(record.overall),
            "by_stage": [_row(r) for r in record.by_stage],
            "by_year": [_row(r) for r in record.by_year],
            "win_rate": record.win_rate,
        },
    }


def _change(line: CompetitionChange) -> dict[str, Any]:
    return {
        "action": line.action,
        "summary": line.display_summary,
        "changed_by": ref(line.changed_by),
        "changed_at": line.changed_at,
        "changes": line.changes,
    }


def _grid_body(opportunity: Opportunity, response: HttpResponse) -> dict[str, Any]:
    view = selectors.grid(opportunity)
    set_etag(response, view.version)
    return {
        "opportunity": ref(opportunity),
        "version": view.version,
        "dimensions": [
            {
                "id": row.dimension.pk,
                "code": row.dimension.code,
                "name": row.dimension.name,
                "name_en": row.dimension.name_en,
            }
            for row in view.rows
        ],
        "sides": [
            {
                "competitor": ref(side.competitor),
                "total": side.total,
                "scored": side.scored,
                "leads": side.leads,
                "trails": side.trails,
                "supporters": [ref(s.contact) for s in side.supporters],
            }
            for side in view.sides
        ],
        "cells": [
            {
                "dimension": row.dimension.pk,
                "competitor": cell.side.competitor.pk if cell.side.competitor else None,
                "score": cell.score,
                "note": cell.note,
                "comparison": cell.comparison,
            }
            for row in view.rows
            for cell in row.cells
            if cell.score is not None or cell.note
        ],
        "leading": view.leading,
        "compared": view.compared,
        "supporters": [
            {"id": s.pk, "contact": ref(s.contact), "competitor": ref(s.competitor), "note": s.note}
            for s in view.supporters
        ],
        "history": [_change(line) for line in selectors.deal_history(opportunity)],
    }


# --- the directory ----------------------------------------------------------------------------------


@router.get(
    "/competitors",
    response={200: CompetitorDirectoryOut, **LIST_ERRORS},
    summary="The competitor directory, searched by name and paginated",
)
def list_competitors(request: HttpRequest, filters: Query[CompetitorDirectoryFiltersIn]) -> dict[str, Any]:
    qs = selectors.directory(current_user(request), filters.search)
    count = qs.count()
    items = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": items, "count": count}


@router.post("/competitors", response={201: CompetitorDetailOut, **WRITE_ERRORS}, summary="Add a competitor")
def create_competitor(request: HttpRequest, response: HttpResponse, payload: CompetitorCreateIn) -> Status:
    by = current_user(request)
    competitor = services.create_competitor(by=by, **payload.model_dump())
    return Status(201, _competitor_body(by, competitor, response))


@router.get(
    "/competitors/{int:competitor_id}",
    response={200: CompetitorDetailOut, **READ_ERRORS},
    summary="A competitor with its record against us (closed deals you can see)",
)
def get_competitor(request: HttpRequest, response: HttpResponse, competitor_id: int) -> dict[str, Any]:
    by = current_user(request)
    return _competitor_body(by, get_visible_competitor(by, competitor_id), response)


@router.patch(
    "/competitors/{int:competitor_id}",
    response={200: CompetitorDetailOut, **VERSIONED_WRITE_ERRORS},
    summary="Edit a competitor (If-Match with the version read)",
)
def update_competitor(
    request: HttpRequest, response: HttpResponse, competitor_id: int, payload: CompetitorUpdateIn
) -> dict[str, Any]:
    by = current_user(request)
    competitor = get_visible_competitor(by, competitor_id)
    version = expected_version(request, selectors.profile(competitor).version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, list(changes))
    services.update_competitor(competitor, by=by, version=version, **changes)
    return _competitor_body(by, get_visible_competitor(by, competitor_id), response)


@router.get(
    "/competition/dimensions",
    response={200: list[CompetitionDimensionOut]},
    summary="The dimensions of the competitor analysis grid",
)
def list_dimensions(request: HttpRequest) -> list[Dimension]:
    return list(Dimension.objects.filter(is_active=True))


# --- a deal's grid ------------------------------------------------------------------------------------


@router.get(
    "/opportunities/{int:opportunity_id}/competition",
    response={200: CompetitionGridOut, **READ_ERRORS},
    summary="A deal's competitor analysis: grid, totals, leads and trails, supporters, history",
)
def get_grid(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    opportunity = get_visible_opportunity(current_user(request), opportunity_id)
    return _grid_body(opportunity, response)


@router.put(
    "/opportunities/{int:opportunity_id}/competition/cells",
    response={200: CompetitionGridOut, **VERSIONED_WRITE_ERRORS},
    summary="Save cells of a deal's grid (If-Match with the grid's version)",
)
def save_cells(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: CompetitionCellsIn
) -> dict[str, Any]:
    """The cells sent are written (a null score clears it); the others stay as they are."""
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    version = expected_version(request, services.grid_version(opportunity))
    cells = [
        services.CellInput(dimension=c.dimension, competitor=c.competitor, score=c.score, note=c.note)
        for c in payload.cells
    ]
    services.save_grid(opportunity, by=by, version=version, cells=cells)
    return _grid_body(opportunity, response)


@router.post(
    "/opportunities/{int:opportunity_id}/competition/competitors",
    response={201: CompetitionGridOut, **WRITE_ERRORS},
    summary="Add a competitor to the deal (from the directory, or a new one by name)",
)
def add_competitor(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: CompetitionAddIn
) -> Status:
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    competitor = None
    if payload.competitor is not None:
        competitor = Competitor.objects.filter(pk=payload.competitor).first()
        if competitor is None:
            raise ValidationError({"competitor": [_("Unknown competitor.")]})
    services.add_to_deal(opportunity, by=by, competitor=competitor, new_name=payload.new_name)
    return Status(201, _grid_body(opportunity, response))


@router.post(
    "/opportunities/{int:opportunity_id}/competition/supporters",
    response={201: CompetitionGridOut, **WRITE_ERRORS},
    summary="Mark a contact of the decision chain as supporting a competitor on the deal",
)
def mark_supporter(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: CompetitionSupporterIn
) -> Status:
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    chain = {e.contact_id: e.contact for e in selectors.chain_contacts(opportunity)}
    view = selectors.grid(opportunity)
    on_deal = {s.competitor.pk: s.competitor for s in view.competitors if s.competitor}
    errors: dict[str, list[str]] = {}
    if payload.contact not in chain:
        errors["contact"] = [_("Only a contact of this deal's decision chain can be marked.")]
    if payload.competitor not in on_deal:
        errors["competitor"] = [_("Add the competitor to the deal first.")]
    if errors:
        raise ValidationError(errors)
    services.mark_supporter(
        opportunity,
        by=by,
        contact=chain[payload.contact],
        competitor=on_deal[payload.competitor],
        note=payload.note,
    )
    return Status(201, _grid_body(opportunity, response))


@router.delete(
    "/opportunities/{int:opportunity_id}/competition/supporters/{int:supporter_id}",
    response={204: None, 404: ErrorOut},
    summary="Remove a supporter mark",
)
def remove_supporter(request: HttpRequest, opportunity_id: int, supporter_id: int) -> Status:
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    supporter = (
        CompetitorSupporter.objects.filter(opportunity=opportunity)
        .select_related("contact", "competitor", "opportunity")
        .filter(pk=supporter_id)
        .first()
    )
    if supporter is None:
        raise Http404
    services.remove_supporter(supporter, by=by)
    return Status(204, None)
