"""Writes to a plan's OGSM cascade: objectives, goals, strategies, measures and actions added,
edited, moved and removed; actions marked done, cancelled or reopened, and planned as activities.

Each write is one transaction with a line of the plan's history (action `ogsm`). Edits name the
version they read. The cascade may change while the plan is a draft or active (an active plan is
monitored and adjusted); a submitted plan waits for its decision and a closed one is history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access import permissions
from kam.access.visibility import customers_for
from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.activities.services import create_activity
from kam.core.errors import RuleViolation
from kam.core.money import MONEY_DIGITS
from kam.core.versioning import versioned_update
from kam.org.models import User
from kam.planning.accountplans import services as plan_services
from kam.planning.accountplans.models import (
    AccountPlan,
    ActionStatus,
    GoalMetric,
    PlanAction,
    PlanChange,
    PlanChangeAction,
    PlanGoal,
    PlanMeasure,
    PlanObjective,
    PlanStatus,
    PlanStrategy,
)

TEXT_MAX = 500
MEASURE_TARGET_MAX = 200
SUMMARY_MAX = 300
# A planned action's activity starts on its due day at this hour (an activity needs a time).
ACTION_HOUR = dt.time(9, 0)
# The kind an action is planned as when none is chosen: a visit, else the first visit-like kind.
DEFAULT_ACTIVITY_KIND = "visit"
EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE)
MAX_AMOUNT = Decimal(10) ** (MONEY_DIGITS - 2)


@dataclass(frozen=True)
class Level:
    """One level of the cascade: its model, the field naming its parent, the path to the plan."""

    key: str
    model: type[models.Model]
    parent: str
    plan_path: str
    name: Any
    empty: Any
    ordered: bool = True  # actions follow their due dates instead


LEVELS: dict[str, Level] = {
    level.key: level
    for level in (
        Level(
            "objective",
            PlanObjective,
            "plan",
            "plan",
            gettext_lazy("Objective"),
            gettext_lazy("Say what the objective is."),
        ),
        Level(
            "goal",
            PlanGoal,
            "objective",
            "objective__plan",
            gettext_lazy("Goal"),
            gettext_lazy("Say what the goal is."),
        ),
        Level(
            "strategy",
            PlanStrategy,
            "goal",
            "goal__objective__plan",
            gettext_lazy("Strategy"),
            gettext_lazy("Say what the strategy is."),
        ),
        Level(
            "measure",
            PlanMeasure,
            "strategy",
            "strategy__goal__objective__plan",
            gettext_lazy("Measure"),
            gettext_lazy("Say what the measure is."),
        ),
        Level(
            "action",
            PlanAction,
            "measure",
            "measure__strategy__goal__objective__plan",
            gettext_lazy("Action"),
            gettext_lazy("Say what the action is."),
            ordered=False,
        ),
    )
}
LEVEL_OF_MODEL = {level.model: level for level in LEVELS.values()}
CHILD = {
    "plan": "objective",
    "objective": "goal",
    "goal": "strategy",
    "strategy": "measure",
    "measure": "action",
}
# The fields an edit may change, per level.
EDITABLE: dict[str, tuple[str, ...]] = {
    "objective": ("text",),
    "goal": ("text", "metric", "target", "manual_actual", "due_date"),
    "strategy": ("text",),
    "measure": ("text", "target"),
    "action": ("text", "owner", "due_date"),
}


def level_of(record: models.Model) -> Level:
    return LEVEL_OF_MODEL[type(record)]


def plan_of(record: models.Model) -> AccountPlan:
    """The plan a record belongs to, walking up through its (usually already loaded) parents."""
    current: Any = record
    for name in level_of(record).plan_path.split("__"):
        current = getattr(current, name)
    return current  # type: ignore[no-any-return]


# Checks ------------------------------------------------------------------------------------------


def check_may_edit(by: User, plan: AccountPlan) -> None:
    if not permissions.may_edit_account_plan(by, plan):
        raise PermissionDenied(_("You cannot edit this account plan."))


def check_open(plan: AccountPlan) -> None:
    if plan.status not in EDITABLE_STATUSES:
        if plan.status == PlanStatus.CLOSED:
            message = _("This plan is closed: its OGSM can no longer change.")
        else:
            message = _("This plan is submitted for approval: its OGSM can change again once it is decided.")
        raise RuleViolation(message, {"plan": [message]})


def _locked_plan(plan: AccountPlan, by: User) -> AccountPlan:
    """Lock the plan's row (adds and moves renumber a list: one writer at a time) and check that
    its status, read under the lock, still allows the change."""
    locked = AccountPlan.objects.select_for_update().get(pk=plan.pk)
    check_open(locked)
    plan.status = locked.status
    return locked


def _clean_text(text: Any, empty: Any, field: str = "text", limit: int = TEXT_MAX) -> str:
    value = (text or "").strip() if isinstance(text, str) or text is None else str(text).strip()
    if not value:
        raise ValidationError({field: [str(empty)]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(count)d characters.") % {"count": limit}]})
    return value


def _clean_amount(value: Any, field: str, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: [_("Enter the target as a number.")]})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    if number < 0:
        raise ValidationError({field: [_("Cannot be negative.")]})
    if number >= MAX_AMOUNT:
        raise ValidationError({field: [_("This number is too large.")]})
    return number.quantize(Decimal("0.01"))


def _clean_goal(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, call in (
        ("text", lambda: _clean_text(values.get("text"), LEVELS["goal"].empty)),
        ("target", lambda: _clean_amount(values.get("target"), "target", required=True)),
        (
            "manual_actual",
            lambda: _clean_amount(values.get("manual_actual"), "manual_actual", required=False),
        ),
    ):
        if name not in values:
            continue
        try:
            clean[name] = call()
        except ValidationError as error:
            errors.update(error.message_dict)
    if "metric" in values:
        if values["metric"] not in GoalMetric.values:
            errors["metric"] = [_("Choose where the goal's actual comes from.")]
        else:
            clean["metric"] = values["metric"]
    if "due_date" in values:
        due = values["due_date"]
        if due is not None and not isinstance(due, dt.date):
            errors["due_date"] = [_("Enter a valid date.")]
        else:
            clean["due_date"] = due
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_action(plan: AccountPlan, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "text" in values:
        try:
            clean["text"] = _clean_text(values["text"], LEVELS["action"].empty)
        except ValidationError as error:
            errors.update(error.message_dict)
    if "owner" in values:
        owner = values["owner"]
        if not isinstance(owner, User):
            errors["owner"] = [_("Choose who owns the action.")]
        elif not owner.is_active:
            errors["owner"] = [_("%(name)s is no longer active.") % {"name": owner}]
        elif not customers_for(owner).filter(pk=plan.customer_id).exists():
            errors["owner"] = [
                _("%(name)s cannot see this customer: choose someone who can.") % {"name": owner}
            ]
        else:
            clean["owner"] = owner
    if "due_date" in values:
        due = values["due_date"]
        if not isinstance(due, dt.date):
            errors["due_date"] = [_("Enter the date the action is due.")]
        else:
            clean["due_date"] = due
    if errors:
        raise ValidationError(errors)
    return clean


def _clean(level: str, plan: AccountPlan, values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE[level])
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    if level == "goal":
        return _clean_goal(values)
    if level == "action":
        return _clean_action(plan, values)
    clean: dict[str, Any] = {}
    if "text" in values:
        clean["text"] = _clean_text(values["text"], LEVELS[level].empty)
    if "target" in values:
        value = (values["target"] or "").strip()
        if len(value) > MEASURE_TARGET_MAX:
            raise ValidationError(
                {"target": [_("At most %(count)d characters.") % {"count": MEASURE_TARGET_MAX}]}
            )
        clean["target"] = value
    return clean


# History -----------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def _history(plan: AccountPlan, by: User, summary: str, changes: dict[str, Any]) -> PlanChange:
    """One line of the plan's history; the plan's `updated_at` says it changed."""
    change = plan_services.record_change(
        plan,
        by=by,
        action=PlanChangeAction.OGSM,
        summary=Truncator(summary).chars(SUMMARY_MAX),
        changes={name: _plain(value) for name, value in changes.items()},
    )
    AccountPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return change


def _label(level: Level, text: str) -> str:
    return f"{level.name} «{Truncator(text).chars(80)}»"


# Adding ------------------------------------------------------------------------------------------


def _next_order(level: Level, parent: models.Model) -> int:
    last = (
        level.model._default_manager.filter(**{level.parent: parent})
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    return (last or 0) + 1


def _add(level_key: str, parent: models.Model, plan: AccountPlan, by: User, values: dict[str, Any]) -> Any:
    level = LEVELS[level_key]
    check_may_edit(by, plan)
    check_open(plan)
    clean = _clean(level_key, plan, values)
    with transaction.atomic():
        _locked_plan(plan, by)
        fields: dict[str, Any] = {level.parent: parent, **clean}
        if level.ordered:
            fields["order"] = _next_order(level, parent)
        record = level.model._default_manager.create(**fields)
        _history(
            plan,
            by,
            _("%(what)s added") % {"what": _label(level, clean["text"])},
            {"level": level.key, "id": record.pk, "added": True, **clean},
        )
    return record


def add_objective(plan: AccountPlan, *, by: User, text: str) -> PlanObjective:
    return _add("objective", plan, plan, by, {"text": text})  # type: ignore[no-any-return]


def add_goal(
    objective: PlanObjective,
    *,
    by: User,
    text: str,
    target: Any,
    metric: str = GoalMetric.MANUAL,
    manual_actual: Any = None,
    due_date: dt.date | None = None,
) -> PlanGoal:
    values = {
        "text": text,
        "target": target,
        "metric": metric,
        "manual_actual": manual_actual,
        "due_date": due_date,
    }
    return _add("goal", objective, objective.plan, by, values)  # type: ignore[no-any-return]


def add_strategy(goal: PlanGoal, *, by: User, text: str) -> PlanStrategy:
    return _add("strategy", goal, plan_of(goal), by, {"text": text})  # type: ignore[no-any-return]


def add_measure(strategy: PlanStrategy, *, by: User, text: str, target: str = "") -> PlanMeasure:
    return _add("measure", strategy, plan_of(strategy), by, {"text": text, "target": target})  # type: ignore[no-any-return]


def add_action(
    measure: PlanMeasure, *, by: User, text: str, owner: User | None, due_date: dt.date | None
) -> PlanAction:
    values = {"text": text, "owner": owner, "due_date": due_date}
    return _add("action", measure, plan_of(measure), by, values)  # type: ignore[no-any-return]


# Editing, moving, removing -----------------------------------------------------------------------


def update(record: Any, *, by: User, version: int | None, **changes: Any) -> Any:
    """Change the fields given (see EDITABLE), if the record still has `version`; the history
    keeps each changed field before and after."""
    level = level_of(record)
    plan = plan_of(record)
    check_may_edit(by, plan)
    check_open(plan)
    clean = _clean(level.key, plan, changes)
    with transaction.atomic():
        _locked_plan(plan, by)
        before = {name: getattr(record, name) for name in clean}
        versioned_update(record, version, **clean)
        diff = {
            name: [_plain(before[name]), _plain(value)]
            for name, value in clean.items()
            if before[name] != value
        }
        if diff:
            _history(
                plan,
                by,
                _("%(what)s edited") % {"what": _label(level, record.text)},
                {"level": level.key, "id": record.pk, **diff},
            )
    return record


def _renumber(level: Level, parent_id: int) -> None:
    ids = level.model._default_manager.filter(**{f"{level.parent}_id": parent_id}).order_by("order", "id")
    for order, pk in enumerate(ids.values_list("pk", flat=True), start=1):
        level.model._default_manager.filter(pk=pk).exclude(order=order).update(order=order)


def move(record: Any, *, by: User, version: int | None, position: int) -> Any:
    """Put the record at `position` (from 1) among its siblings; they close up around it. Actions
    are not moved: they stand in the order of their due dates."""
    level = level_of(record)
    if not level.ordered:
        raise RuleViolation(_("Actions stand in the order of their due dates: change the date to move one."))
    plan = plan_of(record)
    check_may_edit(by, plan)
    check_open(plan)
    with transaction.atomic():
        _locked_plan(plan, by)
        parent_id = getattr(record, f"{level.parent}_id")
        ids = list(
            level.model._default_manager.filter(**{f"{level.parent}_id": parent_id})
            .order_by("order", "id")
            .values_list("pk", flat=True)
        )
        position = max(1, min(int(position), len(ids)))
        old_position = ids.index(record.pk) + 1
        ids.remove(record.pk)
        ids.insert(position - 1, record.pk)
        versioned_update(record, version, order=position)
        for order, pk in enumerate(ids, start=1):
            if pk != record.pk:
                level.model._default_manager.filter(pk=pk).exclude(order=order).update(order=order)
        if old_position != position:
            _history(
                plan,
                by,
                _("%(what)s moved from %(old)s to %(new)s")
                % {"what": _label(level, record.text), "old": old_position, "new": position},
                {"level": level.key, "id": record.pk, "position": [old_position, position]},
            )
    return record


def delete(record: Any, *, by: User, version: int | None) -> None:
    """Remove the record and everything below it; the history says how much went with it. A
    planned activity stays an activity."""
    level = level_of(record)
    plan = plan_of(record)
    check_may_edit(by, plan)
    check_open(plan)
    with transaction.atomic():
        _locked_plan(plan, by)
        versioned_update(record, version)
        below = _below_counts(level.key, record.pk)
        text = record.text
        parent_id = getattr(record, f"{level.parent}_id")
        record_id = record.pk
        record.delete()
        if level.ordered:
            _renumber(level, parent_id)
        _history(
            plan,
            by,
            _("%(what)s removed") % {"what": _label(level, text)},
            {"level": level.key, "id": record_id, "removed": True, "text": text, "with": below},
        )


def _below_counts(level_key: str, record_id: int) -> dict[str, int]:
    """The records below `record_id` per level (one COUNT per level below)."""
    counts: dict[str, int] = {}
    parts: list[str] = []
    key = level_key
    while (child := CHILD.get(key)) is not None:
        parts.insert(0, LEVELS[child].parent)
        n = LEVELS[child].model._default_manager.filter(**{"__".join(parts) + "_id": record_id}).count()
        if n:
            counts[child] = n
        key = child
    return counts


# Actions -----------------------------------------------------------------------------------------


STATUS_WORDS: dict[str, Any] = {
    ActionStatus.DONE: gettext_lazy("marked done"),
    ActionStatus.CANCELLED: gettext_lazy("cancelled"),
    ActionStatus.OPEN: gettext_lazy("reopened"),
}


def set_action_status(action: PlanAction, *, by: User, version: int | None, status: str) -> PlanAction:
    """Mark an action done, cancel it, or reopen it."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose open, done or cancelled.")]})
    plan = plan_of(action)
    check_may_edit(by, plan)
    check_open(plan)
    with transaction.atomic():
        _locked_plan(plan, by)
        before = action.status
        done_at = timezone.now() if status == ActionStatus.DONE else None
        if before == status:
            versioned_update(action, version)
            return action
        versioned_update(action, version, status=status, done_at=done_at)
        _history(
            plan,
            by,
            _("%(what)s %(done)s")
            % {"what": _label(LEVELS["action"], action.text), "done": STATUS_WORDS[status]},
            {"level": "action", "id": action.pk, "status": [before, status]},
        )
    return action


def default_activity_kind() -> ActivityKind | None:
    """A visit, else the first active kind that counts as a visit, else the first active kind."""
    kinds = ActivityKind.objects.filter(active=True)
    return (
        kinds.filter(code=DEFAULT_ACTIVITY_KIND).first()
        or kinds.filter(counts_as_visit=True).order_by("order", "id").first()
        or kinds.order_by("order", "id").first()
    )


def plan_as_activity(
    action: PlanAction, *, by: User, version: int | None, kind: ActivityKind | None = None
) -> Activity:
    """Carry the action out as a planned activity of its owner on its due day (09:00) with the
    plan's customer, linked back to the action: once the activity is done the action reads done."""
    plan = plan_of(action)
    check_may_edit(by, plan)
    check_open(plan)
    if action.activity_id is not None:
        raise RuleViolation(_("This action is already planned as an activity."))
    if action.status != ActionStatus.OPEN:
        raise RuleViolation(_("Only an open action can be planned as an activity."))
    kind = kind or default_activity_kind()
    if kind is None or not kind.active:
        raise ValidationError({"kind": [_("Choose a kind of activity in use.")]})
    owner = action.owner
    _clean_action(plan, {"owner": owner})
    with transaction.atomic():
        _locked_plan(plan, by)
        versioned_update(action, version)
        # The owner leads it: the activity is their time, on their week.
        activity = create_activity(
            by=owner,
            kind=kind,
            customer=plan.customer,
            start=timezone.make_aware(dt.datetime.combine(action.due_date, ACTION_HOUR)),
            summary=Truncator(action.text).chars(200),
            status=ActivityStatus.PLANNED,
            our_people=[owner],
        )
        versioned_update(action, action.version, activity=activity)
        _history(
            plan,
            by,
            _("%(what)s planned as an activity") % {"what": _label(LEVELS["action"], action.text)},
            {"level": "action", "id": action.pk, "activity": activity.pk, "kind": str(kind)},
        )
    return activity
