"""Visit policy over JSON: the rows, demand against capacity, the what-if, people's selling hours and
the under-visited list. Same services and selectors as the pages; mounted by kam.api."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import get_visible_colleague, get_visible_visit_policy
from kam.activities.models import VisitPolicy
from kam.activities.policy import selectors
from kam.activities.policy import services as policy_services
from kam.activities.policy.schemas import (
    CapacityIn,
    CapacityOut,
    DemandOut,
    PolicyCreateIn,
    PolicyListOut,
    PolicyUpdateIn,
    ScopeQuery,
    UnderVisitedOut,
    UnderVisitedQuery,
    VisitPolicyOut,
    WhatIfIn,
    WhatIfOut,
)
from kam.core.api.helpers import (
    LIST_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ConflictOut,
    ErrorOut,
    expected_version,
    ref,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.org.models import Team, User
from kam.org.visibility import visible_users

router = Router(tags=["visit policy"])


def _policy(p: selectors.PolicyValues, version: int | None = None) -> dict[str, Any]:
    return {
        "id": p.pk,
        "tier": p.tier,
        "segment": p.segment,
        "visits": p.visits,
        "period_months": p.period_months,
        "hours_per_visit": p.hours_per_visit,
        "visits_per_month": p.visits_per_month.quantize(Decimal("0.0001")),
        "version": version,
    }


def _row(policy: VisitPolicy) -> dict[str, Any]:
    return _policy(selectors.PolicyValues.of(policy), policy.version)


def _load(load: selectors.Load) -> dict[str, Any]:
    return {
        "customers": load.customers,
        "demand_hours": load.demand.quantize(Decimal("0.01")),
        "capacity_hours": load.capacity.quantize(Decimal("0.01")),
        "balance_hours": load.balance.quantize(Decimal("0.01")),
        "utilisation": load.utilisation,
        "customers_by_tier": load.by_tier,
    }


def _demand(report: selectors.DemandReport) -> dict[str, Any]:
    return {
        "policies": [
            {"policy": _policy(p), "customers": n, "demand_hours": hours.quantize(Decimal("0.01"))}
            for p, n, hours in report.per_policy
        ],
        "owners": [
            {"person": user_ref(o.person), "team": o.team_name, "load": _load(o.load)} for o in report.owners
        ],
        "teams": [
            {"team": {"id": t.team_id, "name": t.team_name} if t.team_id else None, "load": _load(t.load)}
            for t in report.teams
        ],
        "total": _load(report.total),
        "uncovered_customers": report.uncovered,
    }


def _team(user: User, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = selectors.visible_teams(user).filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team": [_("Unknown team.")]})
    return team


@router.get("/activities/visit-policies", response=PolicyListOut, summary="The visit policy rows")
def list_policies(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_row(p) for p in selectors.policy_rows()]}


@router.post(
    "/activities/visit-policies",
    response={201: VisitPolicyOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Add a row for a tier or a segment (managers and above)",
)
def create_policy(request: HttpRequest, response: HttpResponse, payload: PolicyCreateIn) -> Status:
    policy = policy_services.create_visit_policy(by=current_user(request), **payload.model_dump())
    set_etag(response, policy.version)
    return Status(201, _row(policy))


@router.patch(
    "/activities/visit-policies/{int:policy_id}",
    response={200: VisitPolicyOut, 403: ErrorOut, **VERSIONED_WRITE_ERRORS},
    summary="Change a row's visits, months or hours (If-Match; managers and above)",
)
def update_policy(
    request: HttpRequest, response: HttpResponse, policy_id: int, payload: PolicyUpdateIn
) -> dict[str, Any]:
    user = current_user(request)
    permissions.check_edit_visit_policy(user)
    policy = get_visible_visit_policy(user, policy_id)
    version = expected_version(request, policy.version)
    policy_services.update_visit_policy(
        policy, by=user, version=version, **payload.model_dump(exclude_unset=True)
    )
    set_etag(response, policy.version)
    return _row(policy)


@router.delete(
    "/activities/visit-policies/{int:policy_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 412: ConflictOut},
    summary="Delete a row (If-Match checked when sent; managers and above)",
)
def delete_policy(request: HttpRequest, policy_id: int) -> Status:
    user = current_user(request)
    permissions.check_edit_visit_policy(user)
    policy = get_visible_visit_policy(user, policy_id)
    version = expected_version(request, policy.version) if "If-Match" in request.headers else None
    policy_services.delete_visit_policy(policy, by=user, version=version)
    return Status(204, None)


@router.get(
    "/activities/demand",
    response={200: DemandOut, **LIST_ERRORS},
    summary="Demand against capacity per owner, per team and in total (hours a month)",
)
def demand(request: HttpRequest, params: Query[ScopeQuery]) -> dict[str, Any]:
    user = current_user(request)
    return _demand(selectors.demand_against_capacity(user, team=_team(user, params.team)))


@router.post(
    "/activities/demand/what-if",
    response={200: WhatIfOut, **WRITE_ERRORS},
    summary="Demand with other policy values, beside the current demand; nothing is saved",
)
def what_if(request: HttpRequest, payload: WhatIfIn) -> dict[str, Any]:
    user = current_user(request)
    team = _team(user, payload.team)
    rows = []
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(payload.policies):
        if bool(row.tier) == bool(row.segment):
            errors[f"policies.{i}.tier"] = [_("Choose a tier or a segment, not both.")]
            continue
        rows.append(
            selectors.PolicyValues(
                tier=row.tier,
                segment=row.segment,
                visits=row.visits,
                period_months=row.period_months,
                hours_per_visit=row.hours_per_visit,
            )
        )
    if errors:
        raise ValidationError(errors)
    return {
        "current": _demand(selectors.demand_against_capacity(user, team=team)),
        "tried": _demand(selectors.demand_against_capacity(user, team=team, policies=rows)),
    }


@router.put(
    "/activities/selling-capacity/{int:user_id}",
    response={200: CapacityOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Set a person's selling hours a month (their manager)",
)
def set_capacity(request: HttpRequest, user_id: int, payload: CapacityIn) -> dict[str, Any]:
    by = current_user(request)
    person = get_visible_colleague(by, user_id)
    capacity = policy_services.set_selling_capacity(person, by=by, hours_per_month=payload.hours_per_month)
    return {"person": user_ref(person), "hours_per_month": capacity.hours_per_month}


@router.get(
    "/activities/under-visited",
    response={200: UnderVisitedOut, **LIST_ERRORS},
    summary="Customers below their visit policy over the last N periods, by tier then gap",
)
def under_visited(request: HttpRequest, params: Query[UnderVisitedQuery]) -> dict[str, Any]:
    user = current_user(request)
    owner = None
    if params.owner is not None:
        owner = visible_users(user).filter(pk=params.owner).first()
        if owner is None:
            raise ValidationError({"owner": [_("Unknown user.")]})
    rows = selectors.under_visited(
        user,
        team=_team(user, params.team),
        owner=owner,
        tier=params.tier,
        periods=params.periods,
        today=timezone.localdate(),
        page_size=params.limit,
    )
    count = rows.count()
    page = rows[params.offset : params.offset + params.limit] if count else []
    return {
        "items": [
            {
                "customer": ref(r.customer),
                "tier": r.tier,
                "owner": user_ref(r.owner),
                "required": r.required,
                "done": r.done,
                "gap": r.gap,
                "last_touch_at": r.last_touch_at,
            }
            for r in page
        ],
        "count": count,
    }
