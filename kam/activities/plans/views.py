"""Plan pages: my plans, a plan (goals, planned activities, plan against actual, comments) and the
team's plans for a period. Thin: parse, call the plan services or selectors, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_plan, get_visible_plan_goal
from kam.activities.models import Plan, PlanPeriod
from kam.activities.plans import periods, selectors
from kam.activities.plans import services as plans
from kam.activities.plans.forms import (
    CommentForm,
    GoalForm,
    PeriodPickerForm,
    PlanCreateForm,
    PlannedActivityForm,
    PlanNotesForm,
)
from kam.activities.policy.selectors import visible_teams
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.org.models import User

NAV = "plans"


@login_required
@require_http_methods(["GET", "POST"])
def my_plans(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PlanCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        existing = selectors.own_plan(user, form.cleaned_data["period"], form.cleaned_data["starts_on"])
        if existing is not None:
            # "Plan this week" when the week has its plan already: open it.
            return redirect("plans:detail", existing.pk)
        try:
            plan = plans.create_plan(
                by=user,
                period=form.cleaned_data["period"],
                starts_on=form.cleaned_data["starts_on"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("plans:detail", plan.pk)
    rows = list(selectors.plans_of(user, owner=user)[:200])
    for row in rows:
        row.period_label = periods.label(row.period, row.starts_on)  # type: ignore[attr-defined]
    return render(
        request,
        "activities/plans/mine.html",
        {"nav": NAV, "form": form, "rows": rows, "today": timezone.localdate()},
        status=400 if form.errors else 200,
    )


def _plan_page(
    request: HttpRequest, user: User, plan: Plan, *, status: int = 200, **forms: Any
) -> HttpResponse:
    editable = permissions.may_edit_plan(user, plan)
    view = selectors.plan_view(plan)
    context = {
        "nav": NAV,
        "plan": plan,
        "label": periods.label(plan.period, plan.starts_on),
        "view": view,
        "editable": editable,
        "may_comment": permissions.may_comment_plan(user, plan),
        "notes_form": forms.get("notes_form")
        or PlanNotesForm(initial={"notes": plan.notes, "version": plan.version}),
        "goal_form": forms.get("goal_form") or GoalForm(by=user),
        "activity_form": forms.get("activity_form")
        or PlannedActivityForm(
            by=user, initial={"start": periods.local_midnight(plan.starts_on).replace(hour=9)}
        ),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "conflict": forms.get("conflict", False),
    }
    return render(request, "activities/plans/detail.html", context, status=status)


def _load(user: User, pk: int) -> Plan:
    plan = get_visible_plan(user, pk)
    # The owner's team decides who comments: one join instead of a lazy load later.
    return Plan.objects.select_related("owner", "owner__team").get(pk=plan.pk)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    return _plan_page(request, user, _load(user, pk))


@login_required
@require_POST
def plan_notes(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    permissions.check_edit_plan(user, plan)
    form = PlanNotesForm(request.POST)
    if form.is_valid():
        try:
            plans.update_plan(
                plan, by=user, version=form.cleaned_data["version"], notes=form.cleaned_data["notes"]
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            return _plan_page(request, user, _load(user, pk), status=409, notes_form=form, conflict=True)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Notes saved."))
            return redirect("plans:detail", plan.pk)
    return _plan_page(request, user, plan, status=400, notes_form=form)


@login_required
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    permissions.check_edit_plan(user, plan)
    form = GoalForm(request.POST, by=user)
    if form.is_valid():
        try:
            plans.add_goal(
                plan,
                by=user,
                text=form.cleaned_data["text"],
                customer=form.cleaned_data.get("customer"),
                contact=form.cleaned_data.get("contact"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("plans:detail", plan.pk)
    return _plan_page(request, user, plan, status=400, goal_form=form)


@login_required
@require_POST
def goal_achieved(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    goal = get_visible_plan_goal(user, plan, goal_pk)
    plans.update_goal(goal, by=user, achieved=request.POST.get("achieved") == "1")
    return redirect("plans:detail", plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    """A goal's words and whom it is about, on a page of its own (the plan page lists them)."""
    user = current_user(request)
    plan = _load(user, pk)
    permissions.check_edit_plan(user, plan)
    goal = get_visible_plan_goal(user, plan, goal_pk)
    status = 200
    if request.method == "POST":
        form = GoalForm(request.POST, by=user)
        if form.is_valid():
            try:
                plans.update_goal(
                    goal,
                    by=user,
                    text=form.cleaned_data["text"],
                    customer=form.cleaned_data.get("customer"),
                    contact=form.cleaned_data.get("contact"),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Goal saved."))
                return redirect("plans:detail", plan.pk)
        status = 400
    else:
        form = GoalForm(
            by=user, initial={"text": goal.text, "customer": goal.customer, "contact": goal.contact}
        )
    context = {
        "nav": NAV,
        "plan": plan,
        "goal": goal,
        "form": form,
        "label": periods.label(plan.period, plan.starts_on),
    }
    return render(request, "activities/plans/goal_edit.html", context, status=status)


@login_required
@require_POST
def goal_delete(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    plans.delete_goal(get_visible_plan_goal(user, plan, goal_pk), by=user)
    return redirect("plans:detail", plan.pk)


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    permissions.check_edit_plan(user, plan)
    form = PlannedActivityForm(request.POST, by=user)
    if form.is_valid():
        try:
            plans.add_planned_activity(plan, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Planned activity added."))
            return redirect("plans:detail", plan.pk)
    return _plan_page(request, user, plan, status=400, activity_form=form)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _load(user, pk)
    permissions.check_comment_plan(user, plan)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            plans.add_comment(plan, by=user, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("plans:detail", plan.pk)
    return _plan_page(request, user, plan, status=400, comment_form=form)


@login_required
def team_plans(request: HttpRequest) -> HttpResponse:
    """Plan against actual per rep and per team for a week or a month (a manager's page; a rep sees
    their own row)."""
    user = current_user(request)
    teams = visible_teams(user)
    form = PeriodPickerForm(request.GET or None, teams=teams)
    period, starts_on, team = form.chosen()
    result = selectors.plan_vs_actual(user, period=period, starts_on=starts_on, team=team)
    query = request.GET.copy()

    def link(steps: int) -> str:
        query["period"] = period
        query["day"] = periods.shifted(period, starts_on, steps).isoformat()
        return "?" + query.urlencode()

    return render(
        request,
        "activities/plans/team.html",
        {
            "nav": NAV,
            "form": form,
            "result": result,
            "label": periods.label(period, starts_on),
            "is_week": period == PlanPeriod.WEEK,
            "previous": link(-1),
            "next": link(1),
        },
    )
