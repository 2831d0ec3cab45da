"""The skills pages: the ability × attitude matrix, a person's skills, gaps and training plan, and a
team's gaps. Writes are plain forms posted back to the person's page (its messages on refusal)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kam.access.permissions import may_assess_person
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_id
from kam.core.web import current_user, echarts_locale
from kam.org.models import Team, User
from kam.org.visibility import visible_teams
from kam.team.skills import selectors, services
from kam.team.skills.forms import GapPlanForm, LevelForm, PlacementForm, TrainingForm, TrainingStatusForm


def _chart_labels() -> dict[str, Any]:
    return {
        "importance": _("Importance"),
        "level": _("Performance (level)"),
        "gap": pgettext("skills", "Gap"),
        "loadError": _("The chart could not be loaded; the table below has the same figures."),
        **selectors.Quadrant.labels(),
    }


def _picked_team(request: HttpRequest, user: User) -> tuple[list[Team], Team | None]:
    teams = list(visible_teams(user))
    wanted = parse_id(request.GET.get("team", ""))
    return teams, next((t for t in teams if t.pk == wanted), None)


@login_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    teams, team = _picked_team(request, user)
    grid = selectors.matrix(user, team)
    people = [p.person for c in grid.cells for p in c.placements] + grid.unplaced
    overdue = selectors.overdue_counts(people)
    for person in people:
        person.overdue_training = overdue.get(person.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "team/skills/matrix.html",
        {
            "grid": grid,
            "teams": teams if len(teams) > 1 else [],
            "team": team,
            "people_count": len(people),
        },
    )


@login_required
@require_GET
def team_gaps(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    teams, team = _picked_team(request, user)
    if team is None and teams:
        team = next((t for t in teams if t.pk == user.team_id), teams[0])
    people = selectors.assessed_people(user, team) if team else selectors.assessed_people(user)
    return render(
        request,
        "team/skills/team.html",
        {
            "teams": teams,
            "team": team,
            "rows": selectors.team_skills(people),
            "people_count": people.count(),
            "labels": _chart_labels(),
            "quadrant_labels": selectors.Quadrant.labels(),
            "echarts_locale": echarts_locale(),
        },
    )


def _person_page(request: HttpRequest, person: User, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = current_user(request)
    placement = selectors.current_placement(person)
    rows = selectors.person_skills(person)
    context = {
        "person": person,
        "can_assess": may_assess_person(user, person),
        "placement": placement,
        "treatment": None
        if placement is None
        else selectors.treatment_of(placement.ability, placement.attitude),
        "placements": selectors.placement_history(person),
        "rows": rows,
        "levels": selectors.level_history(person),
        "training": selectors.training_plan(person),
        "placement_form": forms.get("placement_form") or PlacementForm(),
        "level_form": forms.get("level_form") or LevelForm(),
        "training_form": forms.get("training_form") or TrainingForm(),
        "form_error": forms.get("form_error"),
        "labels": _chart_labels(),
        "quadrant_labels": selectors.Quadrant.labels(),
        "echarts_locale": echarts_locale(),
    }
    return render(request, "team/skills/person.html", context, status=status)


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, selectors.get_visible_person(current_user(request), pk))


def _back(person: User, anchor: str) -> HttpResponse:
    return redirect(reverse("team_skills:person", kwargs={"pk": person.pk}) + anchor)


@login_required
@require_POST
def place(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    subject = selectors.get_visible_person(user, pk)
    form = PlacementForm(request.POST)
    if form.is_valid():
        try:
            services.place_person(subject, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Placement saved."))
            return _back(subject, "#placement")
    return _person_page(request, subject, placement_form=form)


@login_required
@require_POST
def set_level(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    subject = selectors.get_visible_person(user, pk)
    form = LevelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_level(subject, data["skill"], by=user, level=data["level"], on=data["on"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Level saved."))
            return _back(subject, "#skills")
    return _person_page(request, subject, level_form=form)


@login_required
@require_POST
def add_training(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    subject = selectors.get_visible_person(user, pk)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            services.add_training_item(subject, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Training item added."))
            return _back(subject, "#training")
    return _person_page(request, subject, training_form=form)


@login_required
@require_POST
def plan_from_gap(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    subject = selectors.get_visible_person(user, pk)
    form = GapPlanForm(request.POST)
    if not form.is_valid():
        return _person_page(request, subject, status=400, form_error=_("Pick a skill of the list."))
    try:
        services.plan_from_gap(subject, form.cleaned_data["skill"], by=user)
    except RuleViolation as error:
        return _person_page(request, subject, form_error=str(error))
    messages.success(request, _("Training item added from the gap."))
    return _back(subject, "#training")


@login_required
@require_POST
def training_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    item = selectors.get_visible_training_item(user, pk)
    form = TrainingStatusForm(request.POST)
    if not form.is_valid():
        return _person_page(
            request,
            item.person,
            status=400,
            form_error=_("This page was out of date or incomplete: reload it and try again."),
        )
    try:
        services.update_training_item(
            item, by=user, version=form.cleaned_data["version"], status=form.cleaned_data["status"]
        )
    except ConflictError:
        return _person_page(
            request,
            item.person,
            status=409,
            form_error=_("Someone changed this training item meanwhile: here it is as it is now."),
        )
    return _back(item.person, "#training")
