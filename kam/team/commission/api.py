"""Commission over JSON: plans, a deal's split, statements with their lines, the approval steps and
recomputation (a new revision once approved) with the differences. Writes need If-Match."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from kam.access.permissions import check_edit_plans, check_set_split
from kam.access.team import get_visible_commission_plan, get_visible_statement
from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import (
    DEFAULT_LIMIT,
    LIST_ERRORS,
    MAX_LIMIT,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Offset,
    RuleViolationOut,
    expected_version,
    paginate,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.team.commission import selectors, services
from kam.team.commission.models import CommissionPlan, Statement, StatementStatus
from kam.team.commission.periods import parse_period
from kam.team.commission.schemas import (
    CommissionDifferenceOut,
    CommissionLineOut,
    CommissionPlanCreateIn,
    CommissionPlanOut,
    CommissionPlanUpdateIn,
    CommissionReturnIn,
    CommissionSplitIn,
    CommissionSplitOut,
    CommissionStatementCreateIn,
    CommissionStatementOut,
    CommissionStatementSummaryOut,
)
from kam.team.commission.services import BandSpec, LayerSpec

router = Router(tags=["team commission"])

FORBIDDEN: dict[int, Any] = {403: ErrorOut}
CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, **FORBIDDEN, 409: RuleViolationOut}
UPDATE_ERRORS: dict[int, Any] = {**VERSIONED_WRITE_ERRORS, **FORBIDDEN}


def _people(ids: list[int]) -> list[User]:
    found = list(User.objects.filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise ValidationError({"people": [_("Unknown user.")]})
    return found


def _plan_out(plan: CommissionPlan, response: HttpResponse) -> dict[str, Any]:
    plan = selectors.plans().get(pk=plan.pk)
    set_etag(response, plan.version)
    return CommissionPlanOut.build(plan)


def _statement_out(statement: Statement, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, statement.version)
    return {
        **CommissionStatementSummaryOut.build(statement),
        "lines": [CommissionLineOut.build(line) for line in selectors.lines(statement)],
    }


# Plans -------------------------------------------------------------------------------------------


@router.get("/commission/plans", response={200: list[CommissionPlanOut]})
def commission_plans(request: HttpRequest) -> list[dict[str, Any]]:
    """Every plan with its layers, bands and people."""
    return [CommissionPlanOut.build(p) for p in selectors.plans()]


@router.get("/commission/plans/{int:plan_id}", response={200: CommissionPlanOut, **READ_ERRORS})
def commission_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    return _plan_out(get_visible_commission_plan(current_user(request), plan_id), response)


def _specs(payload: Any) -> tuple[list[LayerSpec] | None, list[BandSpec] | None]:
    layers = None if payload.layers is None else [LayerSpec(**layer.model_dump()) for layer in payload.layers]
    bands = None if payload.bands is None else [BandSpec(b.lower, b.rate) for b in payload.bands]
    return layers, bands


@router.post("/commission/plans", response={201: CommissionPlanOut, **CREATE_ERRORS})
def commission_create_plan(
    request: HttpRequest, response: HttpResponse, payload: CommissionPlanCreateIn
) -> Status:
    """A plan: bands (the first from 0; by amount or by % of target), layers in order, the base,
    cap and floor, the people it applies to. Directors and administrators only."""
    by = current_user(request)
    check_edit_plans(by)
    layers, bands = _specs(payload)
    fields = payload.model_dump(exclude={"layers", "bands", "people"})
    plan = services.create_plan(
        by=by, layers=layers or [], bands=bands or [], people=_people(payload.people), **fields
    )
    return Status(201, _plan_out(plan, response))


@router.patch("/commission/plans/{int:plan_id}", response={200: CommissionPlanOut, **UPDATE_ERRORS})
def commission_update_plan(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: CommissionPlanUpdateIn
) -> dict[str, Any]:
    """Change fields; `layers`, `bands` or `people` replace the whole list. Needs If-Match."""
    by = current_user(request)
    plan = get_visible_commission_plan(by, plan_id)
    check_edit_plans(by)
    version = expected_version(request, plan.version)
    changes = payload.model_dump(exclude_unset=True, exclude={"layers", "bands", "people"})
    for name in (
        "name",
        "name_en",
        "role_family",
        "base",
        "band_kind",
        "use_star_multiplier",
        "is_active",
        "notes",
    ):
        if name in changes and changes[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    layers, bands = _specs(payload)
    people = _people(payload.people) if payload.people is not None else None
    services.update_plan(plan, by=by, version=version, layers=layers, bands=bands, people=people, **changes)
    return _plan_out(plan, response)


# A deal's split ----------------------------------------------------------------------------------


@router.get("/commission/deals/{int:opportunity_id}/split", response={200: CommissionSplitOut, **READ_ERRORS})
def commission_split(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """The deal team's shares; without a split, 100 % to the owner (version 0)."""
    opportunity = get_visible_opportunity(current_user(request), opportunity_id)
    split, rows = selectors.split_of(opportunity)
    body = CommissionSplitOut.build(opportunity.pk, split, rows)
    set_etag(response, body["version"])
    return body


@router.put(
    "/commission/deals/{int:opportunity_id}/split", response={200: CommissionSplitOut, **UPDATE_ERRORS}
)
def commission_set_split(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: CommissionSplitIn
) -> dict[str, Any]:
    """Replace the shares (owner, leader and members; each above 0, summing to exactly 100).
    Needs If-Match with the split's version (0 before any)."""
    by = current_user(request)
    opportunity = get_visible_opportunity(by, opportunity_id)
    check_set_split(by, opportunity)
    split, _rows = selectors.split_of(opportunity)
    version = expected_version(request, split.version if split is not None else 0)
    users = {u.pk: u for u in _people([s.user for s in payload.shares])} if payload.shares else {}
    services.set_split(
        opportunity, by=by, version=version, shares=[(users[s.user], s.share) for s in payload.shares]
    )
    return commission_split(request, response, opportunity_id)


# Statements --------------------------------------------------------------------------------------


class CommissionStatementFilter(Schema):
    period: str | None = NinjaField(
        None, max_length=20, description="`2026 Q3` or `2026-08`: statements starting then."
    )
    status: StatementStatus | None = None
    person: int | None = NinjaField(None, ge=1, le=2**31 - 1)
    limit: int = NinjaField(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Offset = 0


@router.get("/commission/statements", response={200: list[CommissionStatementSummaryOut], **LIST_ERRORS})
def commission_statements(
    request: HttpRequest, filters: Query[CommissionStatementFilter]
) -> list[dict[str, Any]]:
    """Statements of the people the reader sees (a rep: their own), newest period first."""
    start: dt.date | None = None
    if filters.period:
        bounds = parse_period(filters.period)
        if bounds is None:
            raise ValidationError(
                {"period": [_("Write a quarter such as 2026 Q3, or a month such as 2026-08.")]}
            )
        start = bounds[0]
    qs = selectors.statements(
        current_user(request),
        person=filters.person,
        period_start=start,
        status=filters.status.value if filters.status else "",
    )
    return [CommissionStatementSummaryOut.build(s) for s in paginate(qs, filters.limit, filters.offset)]


@router.post("/commission/statements", response={201: CommissionStatementOut, **CREATE_ERRORS})
def commission_create_statement(
    request: HttpRequest, response: HttpResponse, payload: CommissionStatementCreateIn
) -> Status:
    """Compute a person's statement for a period on their active plan (their manager only)."""
    by = current_user(request)
    person = selectors.visible_people(by).filter(pk=payload.person).first()
    if person is None:
        raise ValidationError({"person": [_("Unknown person.")]})
    bounds = parse_period(payload.period)
    if bounds is None:
        raise ValidationError({"period": [_("Write a quarter such as 2026 Q3, or a month such as 2026-08.")]})
    statement = services.create_statement(person, by=by, period_start=bounds[0], period_end=bounds[1])
    return Status(201, _statement_out(get_visible_statement(by, statement.pk), response))


@router.get(
    "/commission/statements/{int:statement_id}", response={200: CommissionStatementOut, **READ_ERRORS}
)
def commission_statement(request: HttpRequest, response: HttpResponse, statement_id: int) -> dict[str, Any]:
    """A statement with every line: the deal or payment, its share, the band, the rate, the amount."""
    return _statement_out(get_visible_statement(current_user(request), statement_id), response)


@router.get(
    "/commission/statements/{int:statement_id}/differences",
    response={200: list[CommissionDifferenceOut], **READ_ERRORS},
)
def commission_differences(request: HttpRequest, statement_id: int) -> list[dict[str, Any]]:
    """The lines that differ from the revision before (empty for a first revision)."""
    statement = get_visible_statement(current_user(request), statement_id)
    return [CommissionDifferenceOut.build(d) for d in selectors.differences(statement)]


def _step(request: HttpRequest, response: HttpResponse, statement_id: int, step: Any, **extra: Any) -> Any:
    by = current_user(request)
    statement = get_visible_statement(by, statement_id)
    version = expected_version(request, statement.version)
    result = step(statement, by=by, version=version, **extra)
    return _statement_out(get_visible_statement(by, result.pk), response)


@router.post(
    "/commission/statements/{int:statement_id}/submit",
    response={200: CommissionStatementOut, **UPDATE_ERRORS},
)
def commission_submit(request: HttpRequest, response: HttpResponse, statement_id: int) -> Any:
    """Draft → submitted (the person or their manager). Needs If-Match."""
    return _step(request, response, statement_id, services.submit)


@router.post(
    "/commission/statements/{int:statement_id}/approve",
    response={200: CommissionStatementOut, **UPDATE_ERRORS},
)
def commission_approve(request: HttpRequest, response: HttpResponse, statement_id: int) -> Any:
    """Submitted → approved (the person's manager, not the person). Needs If-Match."""
    return _step(request, response, statement_id, services.approve)


@router.post(
    "/commission/statements/{int:statement_id}/return",
    response={200: CommissionStatementOut, **UPDATE_ERRORS},
)
def commission_return(
    request: HttpRequest, response: HttpResponse, statement_id: int, payload: CommissionReturnIn
) -> Any:
    """Submitted → draft with a comment (the person's manager). Needs If-Match."""
    return _step(request, response, statement_id, services.return_statement, comment=payload.comment)


@router.post(
    "/commission/statements/{int:statement_id}/recompute",
    response={200: CommissionStatementOut, **UPDATE_ERRORS},
)
def commission_recompute(request: HttpRequest, response: HttpResponse, statement_id: int) -> Any:
    """Recompute from today's data: a draft or submitted statement in place (back to draft); an
    approved one as a new revision (the answer), whose differences list what changed. Needs If-Match."""
    return _step(request, response, statement_id, services.recompute)
