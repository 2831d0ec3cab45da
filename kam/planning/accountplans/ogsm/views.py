"""The OGSM page of an account plan: the cascade as a tree and as a table, each goal with its
target, actual and status; every write posted through htmx (the workspace comes back) or as a
plain form (back to the page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access import permissions
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan, ActionStatus, GoalMetric
from kam.planning.accountplans.ogsm import export, selectors, services
from kam.planning.accountplans.ogsm.forms import FORMS, MoveForm, StatusForm, VersionForm
from kam.planning.accountplans.ogsm.services import CHILD, EDITABLE, LEVELS

PARENT_LEVELS = ("plan", "objective", "goal", "strategy", "measure")


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


@dataclass
class State:
    """A form being refused (by its prefix), the message to show, what to focus."""

    forms: dict[str, Any] = field(default_factory=dict)
    notice: str = ""
    error: str = ""
    focus: str = ""


def _owners(user: User, plan: AccountPlan) -> list[tuple[int, str]]:
    return [(u.pk, str(u)) for u in selectors.owner_candidates(user, plan)]


def _form(level: str, owners: list[tuple[int, str]], *, prefix: str, data: Any = None, **kwargs: Any) -> Any:
    extra: dict[str, Any] = {"owners": owners} if level == "action" else {}
    return FORMS[level](data, prefix=prefix, **extra, **kwargs)


def _initial(level: str, record: Any) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in EDITABLE[level]}
    if level == "action":
        values["owner"] = record.owner_id
    values["version"] = record.version
    return values


def _plan_url(plan: AccountPlan) -> str:
    try:
        return plan.get_absolute_url()
    except NoReverseMatch:
        return reverse("customers:detail", kwargs={"pk": plan.customer_id})


def _page_url(plan: AccountPlan) -> str:
    return reverse("planning_ogsm:cascade", kwargs={"pk": plan.pk})


def _tree(
    cascade: selectors.Cascade, owners: list[tuple[int, str]], state: State, editable: bool
) -> list[dict]:
    def node(level: str, record: Any, children_of: Any, siblings: int, position: int) -> dict[str, Any]:
        key = f"{level}-{record.pk}"
        edit_prefix = f"edit-{key}"
        child_level = CHILD.get(level)
        result: dict[str, Any] = {
            "level": level,
            "level_name": LEVELS[level].name,
            "record": record,
            "key": key,
            "position": position,
            "first": position == 1,
            "last": position == siblings,
            "edit_open": edit_prefix in state.forms,
            "child_level": child_level,
            "child_name": LEVELS[child_level].name if child_level else "",
        }
        if editable:
            result["edit_form"] = state.forms.get(edit_prefix) or _form(
                level, owners, prefix=edit_prefix, initial=_initial(level, record), editing=True
            )
            if child_level:
                add_prefix = f"add-{key}"
                result["add_open"] = add_prefix in state.forms
                result["add_form"] = state.forms.get(add_prefix) or _form(
                    child_level, owners, prefix=add_prefix
                )
        children = list(children_of(record)) if children_of else []
        result["children"] = [
            node(child_level, child, GRANDCHILDREN.get(child_level), len(children), index)  # type: ignore[arg-type]
            for index, child in enumerate(children, start=1)
        ]
        if level == "goal":
            result["goal_row"] = cascade.goals.get(record.pk)
        if level == "action":
            result["status"] = selectors.action_status(record)
            result["overdue"] = selectors.is_overdue(record, cascade.today)
        return result

    GRANDCHILDREN: dict[str, Any] = {
        "objective": lambda o: o.goals.all(),
        "goal": lambda g: g.strategies.all(),
        "strategy": lambda s: s.measures.all(),
        "measure": lambda m: m.actions.all(),
        "action": None,
    }
    return [
        node("objective", o, GRANDCHILDREN["objective"], len(cascade.objectives), i)
        for i, o in enumerate(cascade.objectives, start=1)
    ]


def _context(request: HttpRequest, plan: AccountPlan, state: State) -> dict[str, Any]:
    user = current_user(request)
    cascade = selectors.cascade(plan)
    editable = plan.status in services.EDITABLE_STATUSES and permissions.may_edit_account_plan(user, plan)
    owners = _owners(user, plan) if editable else []
    add_prefix = f"add-plan-{plan.pk}"
    closed_message = ""
    if plan.status not in services.EDITABLE_STATUSES:
        try:
            services.check_open(plan)
        except RuleViolation as refusal:
            closed_message = str(refusal)
    return {
        "plan": plan,
        "customer": plan.customer,
        "cascade": cascade,
        "tree": _tree(cascade, owners, state, editable),
        "rows": cascade.rows(),
        "editable": editable,
        "closed_message": closed_message,
        "add_objective_form": (state.forms.get(add_prefix) or _form("objective", owners, prefix=add_prefix))
        if editable
        else None,
        "add_objective_open": add_prefix in state.forms,
        "page_url": _page_url(plan),
        "plan_url": _plan_url(plan),
        "export_url": reverse("planning_ogsm:export", kwargs={"pk": plan.pk}),
        "notice": state.notice,
        "error": state.error,
        "focus": state.focus,
        "metrics": GoalMetric,
        "action_statuses": ActionStatus,
        "history": plan.changes.filter(action="ogsm").select_related("changed_by")[:30],
    }


def _show(request: HttpRequest, plan: AccountPlan, state: State, *, status: int = 200) -> HttpResponse:
    context = _context(request, plan, state)
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, "planning/accountplans/ogsm/page.html#workspace", context)
    return render(request, "planning/accountplans/ogsm/page.html", context, status=status)


def _done(request: HttpRequest, plan: AccountPlan, notice: str, focus: str = "") -> HttpResponse:
    if _is_htmx(request):
        return _show(request, plan, State(notice=notice, focus=focus))
    messages.success(request, notice)
    return redirect(_page_url(plan) + (f"#{focus}" if focus else ""))


def _refused(request: HttpRequest, plan: AccountPlan, error: Exception, status: int) -> HttpResponse:
    return _show(request, plan, State(error=str(error)), status=status)


# Pages -------------------------------------------------------------------------------------------


@login_required
@require_GET
def cascade_page(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_visible_plan(current_user(request), pk)
    return _show(request, plan, State())


@login_required
@require_GET
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_visible_plan(current_user(request), pk)
    content, filename = export.ogsm_xlsx(plan)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Writes ------------------------------------------------------------------------------------------


def _values(level: str, form: Any, plan: AccountPlan, user: User) -> dict[str, Any]:
    values = form.values()
    if level == "action":
        owner_id = values.get("owner")
        values["owner"] = (
            selectors.owner_candidates(user, plan).filter(pk=owner_id).first() if owner_id else None
        )
    return values  # type: ignore[no-any-return]


def _add(level: str, parent: Any, by: User, values: dict[str, Any]) -> Any:
    adders: dict[str, Any] = {
        "objective": services.add_objective,
        "goal": services.add_goal,
        "strategy": services.add_strategy,
        "measure": services.add_measure,
        "action": services.add_action,
    }
    return adders[level](parent, by=by, **values)


@login_required
@require_POST
def add(request: HttpRequest, parent_level: str, pk: int) -> HttpResponse:
    user = current_user(request)
    if parent_level not in PARENT_LEVELS:
        raise Http404
    if parent_level == "plan":
        parent: Any = selectors.get_visible_plan(user, pk)
        plan = parent
    else:
        parent = selectors.get_visible_record(user, parent_level, pk)
        plan = services.plan_of(parent)
    level = CHILD[parent_level]
    prefix = f"add-{parent_level}-{pk}"
    form = _form(level, _owners(user, plan), prefix=prefix, data=request.POST)
    status = 400
    if form.is_valid():
        try:
            record = _add(level, parent, user, _values(level, form, plan, user))
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = _("%(level)s added.") % {"level": LEVELS[level].name}
            return _done(request, plan, notice, focus=f"{level}-{record.pk}")
    return _show(request, plan, State(forms={prefix: form}), status=status)


@login_required
@require_POST
def edit(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    user = current_user(request)
    record = selectors.get_visible_record(user, level, pk)
    plan = services.plan_of(record)
    prefix = f"edit-{level}-{pk}"
    form = _form(level, _owners(user, plan), prefix=prefix, data=request.POST, editing=True)
    status = 400
    if form.is_valid():
        try:
            services.update(
                record, by=user, version=form.cleaned_data["version"], **_values(level, form, plan, user)
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = _("%(level)s saved.") % {"level": LEVELS[level].name}
            return _done(request, plan, notice, focus=f"{level}-{record.pk}")
    return _show(request, plan, State(forms={prefix: form}), status=status)


@login_required
@require_POST
def delete(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    user = current_user(request)
    record = selectors.get_visible_record(user, level, pk)
    plan = services.plan_of(record)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            plan,
            ValueError(_("This page was out of date or incomplete: reload it and try again.")),
            400,
        )
    try:
        services.delete(record, by=user, version=form.cleaned_data["version"])
    except ConflictError as error:
        return _refused(request, plan, error, 409)
    except RuleViolation as error:
        return _refused(request, plan, error, 409)
    return _done(request, plan, _("%(level)s removed.") % {"level": LEVELS[level].name})


@login_required
@require_POST
def move(request: HttpRequest, level: str, pk: int) -> HttpResponse:
    user = current_user(request)
    record = selectors.get_visible_record(user, level, pk)
    plan = services.plan_of(record)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            plan,
            ValueError(_("This page was out of date or incomplete: reload it and try again.")),
            400,
        )
    try:
        services.move(
            record, by=user, version=form.cleaned_data["version"], position=form.cleaned_data["position"]
        )
    except (ConflictError, RuleViolation) as error:
        return _refused(request, plan, error, 409)
    return _done(
        request, plan, _("%(level)s moved.") % {"level": LEVELS[level].name}, focus=f"{level}-{record.pk}"
    )


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    action = selectors.get_visible_record(user, "action", pk)
    plan = services.plan_of(action)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            plan,
            ValueError(_("This page was out of date or incomplete: reload it and try again.")),
            400,
        )
    try:
        services.set_action_status(
            action, by=user, version=form.cleaned_data["version"], status=form.cleaned_data["status"]
        )
    except (ConflictError, RuleViolation) as error:
        return _refused(request, plan, error, 409)
    notice = _("Action %(status)s.") % {"status": services.STATUS_WORDS[action.status]}
    return _done(request, plan, notice, focus=f"action-{action.pk}")


@login_required
@require_POST
def action_activity(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    action = selectors.get_visible_record(user, "action", pk)
    plan = services.plan_of(action)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            plan,
            ValueError(_("This page was out of date or incomplete: reload it and try again.")),
            400,
        )
    try:
        activity = services.plan_as_activity(action, by=user, version=form.cleaned_data["version"])
    except (ConflictError, RuleViolation) as error:
        return _refused(request, plan, error, 409)
    except ValidationError as error:
        return _refused(request, plan, ValueError(" ".join(error.messages)), 400)
    notice = _("Planned as an activity of %(owner)s on %(date)s.") % {
        "owner": activity.owner,
        "date": action.due_date.isoformat(),
    }
    return _done(request, plan, notice, focus=f"action-{action.pk}")
