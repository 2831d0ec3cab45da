"""A plan's OGSM cascade over JSON: the cascade with each goal's actual and status; adds, edits,
moves and removals at each level through the same services as the page (edits, moves and
removals need If-Match with the record's version: 428 without, 412 when stale)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access import permissions
from kam.activities.models import ActivityKind
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    RuleViolationOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan
from kam.planning.accountplans.ogsm import selectors, services
from kam.planning.accountplans.ogsm.schemas import (
    OgsmActionActivityIn,
    OgsmActionIn,
    OgsmActionPatch,
    OgsmActionStatusIn,
    OgsmGoalIn,
    OgsmGoalPatch,
    OgsmMeasureIn,
    OgsmMeasurePatch,
    OgsmMoveIn,
    OgsmObjectiveIn,
    OgsmObjectivePatch,
    OgsmOut,
    OgsmRecordOut,
    OgsmStrategyIn,
)

router = Router(tags=["account plans"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: RuleViolationOut}
PLURAL = {
    "objectives": "objective",
    "goals": "goal",
    "strategies": "strategy",
    "measures": "measure",
    "actions": "action",
}
NOT_NULL = {
    "objective": ("text",),
    "goal": ("text", "metric", "target"),
    "strategy": ("text",),
    "measure": ("text", "target"),
    "action": ("text", "owner", "due_date"),
}


def _level(plural: str) -> str:
    if plural not in PLURAL:
        raise Http404
    return PLURAL[plural]


def _written(response: HttpResponse, level: str, record: Any) -> dict[str, Any]:
    set_etag(response, record.version)
    return {"level": level, "id": record.pk, "text": record.text, "version": record.version}


def _owner(by: User, plan: AccountPlan, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = selectors.owner_candidates(by, plan).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner": [_("Unknown user.")]})
    return owner


# The cascade -------------------------------------------------------------------------------------


@router.get("/account-plans/{int:plan_id}/ogsm", response={200: OgsmOut, **READ_ERRORS})
def ogsm_cascade(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """Objectives → goals (target, actual from kam's data, source, status) → strategies → measures
    → actions (owner, due date, status, overdue)."""
    user = current_user(request)
    plan = selectors.get_visible_plan(user, plan_id)
    editable = plan.status in services.EDITABLE_STATUSES and permissions.may_edit_account_plan(user, plan)
    return OgsmOut.build(selectors.cascade(plan), editable)


# Adding ------------------------------------------------------------------------------------------


@router.post("/account-plans/{int:plan_id}/ogsm/objectives", response={201: OgsmRecordOut, **CREATE_ERRORS})
def ogsm_add_objective(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: OgsmObjectiveIn
) -> Status:
    user = current_user(request)
    plan = selectors.get_visible_plan(user, plan_id)
    record = services.add_objective(plan, by=user, text=payload.text)
    return Status(201, _written(response, "objective", record))


@router.post("/account-plans/ogsm/objectives/{int:pk}/goals", response={201: OgsmRecordOut, **CREATE_ERRORS})
def ogsm_add_goal(request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmGoalIn) -> Status:
    user = current_user(request)
    objective = selectors.get_visible_record(user, "objective", pk)
    record = services.add_goal(objective, by=user, **payload.model_dump())
    return Status(201, _written(response, "goal", record))


@router.post("/account-plans/ogsm/goals/{int:pk}/strategies", response={201: OgsmRecordOut, **CREATE_ERRORS})
def ogsm_add_strategy(
    request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmStrategyIn
) -> Status:
    user = current_user(request)
    goal = selectors.get_visible_record(user, "goal", pk)
    record = services.add_strategy(goal, by=user, text=payload.text)
    return Status(201, _written(response, "strategy", record))


@router.post(
    "/account-plans/ogsm/strategies/{int:pk}/measures", response={201: OgsmRecordOut, **CREATE_ERRORS}
)
def ogsm_add_measure(request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmMeasureIn) -> Status:
    user = current_user(request)
    strategy = selectors.get_visible_record(user, "strategy", pk)
    record = services.add_measure(strategy, by=user, text=payload.text, target=payload.target)
    return Status(201, _written(response, "measure", record))


@router.post("/account-plans/ogsm/measures/{int:pk}/actions", response={201: OgsmRecordOut, **CREATE_ERRORS})
def ogsm_add_action(request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmActionIn) -> Status:
    """An action with its owner (someone who sees the customer) and due date."""
    user = current_user(request)
    measure = selectors.get_visible_record(user, "measure", pk)
    plan = services.plan_of(measure)
    record = services.add_action(
        measure,
        by=user,
        text=payload.text,
        owner=_owner(user, plan, payload.owner),
        due_date=payload.due_date,
    )
    return Status(201, _written(response, "action", record))


# Editing, moving, removing -----------------------------------------------------------------------

PATCHES: dict[str, Any] = {
    "objective": OgsmObjectivePatch,
    "goal": OgsmGoalPatch,
    "strategy": OgsmObjectivePatch,
    "measure": OgsmMeasurePatch,
    "action": OgsmActionPatch,
}


def _update(request: HttpRequest, response: HttpResponse, name: str, pk: int, payload: Any) -> dict[str, Any]:
    user = current_user(request)
    record = selectors.get_visible_record(user, name, pk)
    version = expected_version(request, record.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULL[name])
    if name == "action" and "owner" in changes:
        changes["owner"] = _owner(user, services.plan_of(record), changes["owner"])
    services.update(record, by=user, version=version, **changes)
    return _written(response, name, record)


def _patch_endpoint(plural: str, name: str, schema: Any) -> None:
    """PATCH /account-plans/ogsm/<plural>/<id>: the fields sent change. Needs If-Match."""

    def update(request: HttpRequest, response: HttpResponse, pk: int, payload: Any) -> Any:
        return _update(request, response, name, pk, payload)

    # The body's schema differs per level; ninja reads it from the annotation.
    update.__annotations__ = {"request": HttpRequest, "response": HttpResponse, "pk": int, "payload": schema}
    update.__name__ = f"ogsm_update_{name}"
    update.__doc__ = _patch_endpoint.__doc__
    router.patch(
        f"/account-plans/ogsm/{plural}/{{int:pk}}",
        response={200: OgsmRecordOut, **VERSIONED_WRITE_ERRORS},
        operation_id=f"planning_ogsm_update_{name}",
        summary=f"Ogsm update {name}",
    )(update)


def _delete_endpoint(plural: str, name: str) -> None:
    """DELETE /account-plans/ogsm/<plural>/<id>: the record and everything below it. Needs If-Match."""

    def remove(request: HttpRequest, pk: int) -> Status:
        user = current_user(request)
        record = selectors.get_visible_record(user, name, pk)
        version = expected_version(request, record.version)
        services.delete(record, by=user, version=version)
        return Status(204, None)

    remove.__annotations__ = {"request": HttpRequest, "pk": int, "return": Status}
    remove.__name__ = f"ogsm_delete_{name}"
    remove.__doc__ = _delete_endpoint.__doc__
    # The same path as the PATCH: one URL pattern answers both methods.
    router.delete(
        f"/account-plans/ogsm/{plural}/{{int:pk}}",
        response={204: None, **VERSIONED_WRITE_ERRORS},
        operation_id=f"planning_ogsm_delete_{name}",
        summary=f"Ogsm delete {name}",
    )(remove)


for _plural, _name in PLURAL.items():
    _patch_endpoint(_plural, _name, PATCHES[_name])
    _delete_endpoint(_plural, _name)


@router.post(
    "/account-plans/ogsm/{level}/{int:pk}/move", response={200: OgsmRecordOut, **VERSIONED_WRITE_ERRORS}
)
def ogsm_move(request: HttpRequest, response: HttpResponse, level: str, pk: int, payload: OgsmMoveIn) -> Any:
    """Put the record at `position` among its siblings (actions follow their due dates: 409). Needs If-Match."""
    name = _level(level)
    user = current_user(request)
    record = selectors.get_visible_record(user, name, pk)
    version = expected_version(request, record.version)
    services.move(record, by=user, version=version, position=payload.position)
    return _written(response, name, record)


# Actions -----------------------------------------------------------------------------------------


@router.post(
    "/account-plans/ogsm/actions/{int:pk}/status", response={200: OgsmRecordOut, **VERSIONED_WRITE_ERRORS}
)
def ogsm_action_status(
    request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmActionStatusIn
) -> Any:
    """Mark the action done, cancel it or reopen it. Needs If-Match."""
    user = current_user(request)
    action = selectors.get_visible_record(user, "action", pk)
    version = expected_version(request, action.version)
    services.set_action_status(action, by=user, version=version, status=payload.status)
    return _written(response, "action", action)


@router.post(
    "/account-plans/ogsm/actions/{int:pk}/activity", response={201: OgsmRecordOut, **VERSIONED_WRITE_ERRORS}
)
def ogsm_action_activity(
    request: HttpRequest, response: HttpResponse, pk: int, payload: OgsmActionActivityIn
) -> Status:
    """Plan the action as an activity of its owner on its due day (a visit unless `kind` says
    otherwise). Needs If-Match."""
    user = current_user(request)
    action = selectors.get_visible_record(user, "action", pk)
    version = expected_version(request, action.version)
    kind = None
    if payload.kind:
        kind = ActivityKind.objects.filter(code=payload.kind, active=True).first()
        if kind is None:
            raise ValidationError({"kind": [_("Unknown kind of activity.")]})
    services.plan_as_activity(action, by=user, version=version, kind=kind)
    return Status(201, _written(response, "action", action))
