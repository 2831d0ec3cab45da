"""Plans over JSON: the same services and selectors as the plan pages; mounted by kam.api."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import (
    contacts_for,
    customers_for,
    get_visible_contact,
    get_visible_customer,
    get_visible_plan,
    get_visible_plan_goal,
    opportunities_for,
)
from kam.activities.models import ActivityKind, Plan
from kam.activities.plans import periods, selectors
from kam.activities.plans import services as plans
from kam.activities.plans.schemas import (
    ActualQuery,
    CommentIn,
    CommentOut,
    GoalIn,
    GoalOut,
    GoalUpdateIn,
    PlanActivityOut,
    PlanCreateIn,
    PlanListOut,
    PlanListQuery,
    PlannedActivityIn,
    PlanOut,
    PlanUpdateIn,
    PlanVsActualOut,
)
from kam.activities.policy.selectors import visible_teams
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    ref,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.org.models import User

router = Router(tags=["plans"])


def _load(user: User, plan_id: int) -> Plan:
    plan = get_visible_plan(user, plan_id)
    return Plan.objects.select_related("owner", "owner__team").get(pk=plan.pk)


def _activity(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind.code,
        "customer": ref(a.customer),
        "start": a.start,
        "planned_start": a.planned_start,
        "duration_minutes": a.duration_minutes,
        "status": a.status,
        "summary": a.summary,
        "category": a.category,
    }


def _goal(g: Any) -> dict[str, Any]:
    return {
        "id": g.pk,
        "text": g.text,
        "customer": ref(g.customer),
        "contact": ref(g.contact),
        "achieved": g.achieved,
    }


def _plan_body(user: User, plan: Plan, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, plan.version)
    view = selectors.plan_view(plan)
    return {
        "id": plan.pk,
        "owner": user_ref(plan.owner),
        "period": plan.period,
        "starts_on": plan.starts_on,
        "ends_on": periods.last_day(plan.period, plan.starts_on),
        "ended": view.ended,
        "notes": plan.notes,
        "version": plan.version,
        "may_edit": permissions.may_edit_plan(user, plan),
        "may_comment": permissions.may_comment_plan(user, plan),
        "goals": [_goal(g) for g in view.goals],
        "activities": [_activity(a) for a in view.activities],
        "unplanned": [_activity(a) for a in view.unplanned],
        "comments": [
            {"id": c.pk, "author": user_ref(c.author), "text": c.text, "created_at": c.created_at}
            for c in view.comments
        ],
        "figures": view.figures.as_dict(),
    }


@router.get("/activities/plans", response={200: PlanListOut, **LIST_ERRORS}, summary="Plans you can see")
def list_plans(request: HttpRequest, params: Query[PlanListQuery]) -> dict[str, Any]:
    user = current_user(request)
    qs = selectors.plans_of(user)
    if params.owner is not None:
        qs = qs.filter(owner_id=params.owner)
    if params.period is not None:
        qs = qs.filter(period=params.period)
    if params.starts_on is not None:
        qs = qs.filter(starts_on=params.starts_on)
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit]) if count else []
    items = [
        {
            "id": p.pk,
            "owner": user_ref(p.owner),
            "period": p.period,
            "starts_on": p.starts_on,
            "ends_on": periods.last_day(p.period, p.starts_on),
            "activities": p.activity_count,  # type: ignore[attr-defined]
            "goals": p.goal_count,  # type: ignore[attr-defined]
            "goals_achieved": p.achieved_count,  # type: ignore[attr-defined]
            "comments": p.comment_count,  # type: ignore[attr-defined]
        }
        for p in rows
    ]
    return {"items": items, "count": count}


@router.post(
    "/activities/plans", response={201: PlanOut, **WRITE_ERRORS}, summary="Create your plan for a period"
)
def create_plan(request: HttpRequest, response: HttpResponse, payload: PlanCreateIn) -> Status:
    user = current_user(request)
    plan = plans.create_plan(by=user, period=payload.period, starts_on=payload.starts_on, notes=payload.notes)
    return Status(201, _plan_body(user, _load(user, plan.pk), response))


@router.get("/activities/plans/{int:plan_id}", response={200: PlanOut, **READ_ERRORS}, summary="A plan")
def get_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    """Its goals, its activities by category, the owner's unplanned done work in the period and the
    comments; the ETag carries the version for changing the notes."""
    user = current_user(request)
    return _plan_body(user, _load(user, plan_id), response)


@router.patch(
    "/activities/plans/{int:plan_id}",
    response={200: PlanOut, 403: ErrorOut, **VERSIONED_WRITE_ERRORS},
    summary="Change a plan's notes (If-Match)",
)
def update_plan(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: PlanUpdateIn
) -> dict[str, Any]:
    user = current_user(request)
    plan = _load(user, plan_id)
    version = expected_version(request, plan.version)
    plans.update_plan(plan, by=user, version=version, notes=payload.notes)
    return _plan_body(user, _load(user, plan_id), response)


@router.post(
    "/activities/plans/{int:plan_id}/goals",
    response={201: GoalOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Add a goal to your plan",
)
def add_goal(request: HttpRequest, plan_id: int, payload: GoalIn) -> Status:
    user = current_user(request)
    plan = _load(user, plan_id)
    permissions.check_edit_plan(user, plan)
    customer = _visible_or_error(user, "customer", payload.customer)
    contact = _visible_or_error(user, "contact", payload.contact)
    goal = plans.add_goal(plan, by=user, text=payload.text, customer=customer, contact=contact)
    return Status(201, _goal(goal))


def _visible_or_error(user: User, name: str, pk: int | None) -> Any:
    """A referenced record by id, or a field error (not a 404: the plan exists, the reference not)."""
    if pk is None:
        return None
    try:
        return get_visible_customer(user, pk) if name == "customer" else get_visible_contact(user, pk)
    except Http404:
        raise ValidationError(
            {name: [_("Unknown customer.") if name == "customer" else _("Unknown contact.")]}
        ) from None


@router.patch(
    "/activities/plans/{int:plan_id}/goals/{int:goal_id}",
    response={200: GoalOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Change a goal (text, achieved)",
)
def update_goal(request: HttpRequest, plan_id: int, goal_id: int, payload: GoalUpdateIn) -> dict[str, Any]:
    user = current_user(request)
    plan = _load(user, plan_id)
    goal = get_visible_plan_goal(user, plan, goal_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return _goal(plans.update_goal(goal, by=user, **changes))


@router.delete(
    "/activities/plans/{int:plan_id}/goals/{int:goal_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a goal",
)
def delete_goal(request: HttpRequest, plan_id: int, goal_id: int) -> Status:
    user = current_user(request)
    plan = _load(user, plan_id)
    plans.delete_goal(get_visible_plan_goal(user, plan, goal_id), by=user)
    return Status(204, None)


@router.post(
    "/activities/plans/{int:plan_id}/activities",
    response={201: PlanActivityOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Plan an activity in your plan's period",
)
def add_planned_activity(request: HttpRequest, plan_id: int, payload: PlannedActivityIn) -> Status:
    user = current_user(request)
    plan = _load(user, plan_id)
    permissions.check_edit_plan(user, plan)
    errors: dict[str, list[str]] = {}
    text = str(payload.kind)
    kind = ActivityKind.objects.filter(
        Q(code=text) | Q(pk=int(text)) if text.isdecimal() else Q(code=text)
    ).first()
    if kind is None:
        errors["kind"] = [_("Unknown activity kind.")]
    customer = customers_for(user).filter(pk=payload.customer).first()
    if customer is None:
        errors["customer"] = [_("Unknown customer.")]
    opportunity = None
    if payload.opportunity is not None:
        opportunity = opportunities_for(user).filter(pk=payload.opportunity).first()
        if opportunity is None:
            errors["opportunity"] = [_("Unknown opportunity.")]
    contacts = list(contacts_for(user).filter(pk__in=payload.contacts))
    if len(contacts) != len(set(payload.contacts)):
        errors["contacts"] = [_("Unknown contact.")]
    if errors:
        raise ValidationError(errors)
    assert kind is not None and customer is not None
    activity = plans.add_planned_activity(
        plan,
        by=user,
        kind=kind,
        customer=customer,
        start=payload.start,
        summary=payload.summary,
        duration_minutes=payload.duration_minutes,
        opportunity=opportunity,
        contacts=contacts,
    )
    [row] = [a for a in selectors.plan_view(plan).activities if a.pk == activity.pk]
    return Status(201, _activity(row))


@router.post(
    "/activities/plans/{int:plan_id}/comments",
    response={201: CommentOut, 403: ErrorOut, **WRITE_ERRORS},
    summary="Comment on a plan (the owner's manager)",
)
def add_comment(request: HttpRequest, plan_id: int, payload: CommentIn) -> Status:
    user = current_user(request)
    comment = plans.add_comment(_load(user, plan_id), by=user, text=payload.text)
    return Status(
        201,
        {"id": comment.pk, "author": user_ref(user), "text": comment.text, "created_at": comment.created_at},
    )


@router.get(
    "/activities/plan-vs-actual",
    response={200: PlanVsActualOut, **LIST_ERRORS},
    summary="Plan against actual per rep and per team for a week or a month",
)
def plan_vs_actual(request: HttpRequest, params: Query[ActualQuery]) -> dict[str, Any]:
    user = current_user(request)
    team = None
    if params.team is not None:
        team = visible_teams(user).filter(pk=params.team).first()
        if team is None:
            raise ValidationError({"team": [_("Unknown team.")]})
    result = selectors.plan_vs_actual(
        user,
        period=params.period,
        starts_on=params.starts_on or timezone.localdate(),
        team=team,
    )
    return {
        "period": result.period,
        "starts_on": result.starts_on,
        "ends_on": result.ends_on,
        "ended": result.ended,
        "reps": [
            {
                "person": user_ref(r.person),
                "team": ref(r.person.team),
                "plan": r.plan_id,
                "figures": r.figures.as_dict(),
            }
            for r in result.reps
        ],
        "teams": [
            {
                "team": {"id": t.team_id, "name": t.team_name} if t.team_id else None,
                "people": t.people,
                "plans": t.plans,
                "figures": t.figures.as_dict(),
            }
            for t in result.teams
        ],
        "total": result.total.as_dict(),
    }
