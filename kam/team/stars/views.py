"""Star rating pages: evaluations (run, review, adjust, publish), a person's history, the team
distribution, the schemes and the role families. Thin: forms in, services and selectors out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access.permissions import may_adjust, may_manage_evaluation, may_rate
from kam.access.team import get_visible_evaluation, get_visible_rated_person, get_visible_rating
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.org.models import Team, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.team.stars import selectors, services
from kam.team.stars.forms import AdjustForm, EvaluationForm, FamilyForm, VersionForm
from kam.team.stars.models import STARS, FamilyMember, Metric, RoleFamily

NAV = "team_stars"
MONEY_METRICS = {Metric.WON_REVENUE}


def _teams(user: User) -> Any:
    if user.sees_everything:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=managed_team_ids(user)).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """The ratings home: one's own level, and for managers the evaluations and a form to run one."""
    user = current_user(request)
    rates = may_rate(user)
    form = (
        EvaluationForm(request.POST or None, teams=_teams(user), whole_company=user.sees_everything)
        if rates
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only managers and directors run evaluations."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                start, end = services.period_bounds(data["scheme"].period, data["year"], data["quarter"])
                evaluation = services.create_evaluation(
                    data["scheme"], by=user, period_start=start, period_end=end, team=data["team"]
                )
            except (ValidationError, RuleViolation) as error:
                if isinstance(error, RuleViolation):
                    form.add_error(None, str(error))
                else:
                    apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error("team", str(error))
            else:
                messages.success(request, _("The evaluation is drafted: review it, then publish."))
                return redirect("team_stars:evaluation", pk=evaluation.pk)
    today = timezone.localdate()
    context = {
        "nav": NAV,
        "form": form,
        "evaluations": list(selectors.evaluations(user)[:100]) if rates else [],
        "mine": selectors.current_rating(user, today),
        "incentive": selectors.incentive_for(user, today),
    }
    return render(
        request, "team_stars/list.html", context, status=400 if form is not None and form.errors else 200
    )


def _columns(evaluation: Any) -> list[Any]:
    return list(evaluation.scheme.criteria.order_by("order", "id"))


@login_required
def evaluation_detail(
    request: HttpRequest, pk: int, *, forms: dict[int, AdjustForm] | None = None, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    evaluation = get_visible_evaluation(user, pk)
    ratings = selectors.evaluation_ratings(user, evaluation)
    criteria = _columns(evaluation)
    forms = forms or {}
    rows = []
    for rating in ratings:
        values = {v.criterion_id: v for v in rating.values.all()}
        rows.append(
            {
                "rating": rating,
                "cells": [values.get(c.pk) for c in criteria],
                "may_adjust": evaluation.status == "draft" and may_adjust(user, rating),
                "form": forms.get(rating.pk)
                or AdjustForm(
                    initial={"star": rating.final_star, "reason": rating.reason, "version": rating.version},
                    auto_id=f"id_r{rating.pk}_%s",
                ),
            }
        )
    context = {
        "nav": NAV,
        "evaluation": evaluation,
        "criteria": criteria,
        "rows": rows,
        "money_metrics": MONEY_METRICS,
        "may_manage": evaluation.status == "draft" and may_manage_evaluation(user, evaluation),
    }
    return render(request, "team_stars/evaluation.html", context, status=status)


@login_required
@require_POST
def rating_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    rating = get_visible_rating(user, pk)
    form = AdjustForm(request.POST, auto_id=f"id_r{rating.pk}_%s")
    if form.is_valid():
        try:
            services.adjust_rating(
                rating,
                by=user,
                version=form.cleaned_data["version"],
                star=form.cleaned_data["star"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except (ConflictError, RuleViolation) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The level of %(person)s is set.") % {"person": rating.user})
            return redirect("team_stars:evaluation", pk=rating.evaluation_id)
    return evaluation_detail(request, rating.evaluation_id, forms={rating.pk: form}, status=400)


def _versioned(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    user = current_user(request)
    evaluation = get_visible_evaluation(user, pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        action(evaluation, by=user, version=version)
    except (ConflictError, RuleViolation) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("team_stars:evaluation", pk=pk)


@login_required
@require_POST
def evaluation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned(request, pk, services.publish_evaluation, _("Published: the ratings are now history."))


@login_required
@require_POST
def evaluation_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned(request, pk, services.rerun_evaluation, _("Computed again from today's data."))


@login_required
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    person = get_visible_rated_person(user, pk)
    ratings = selectors.history(user, person)
    family = FamilyMember.objects.filter(user=person).first()
    context = {
        "nav": NAV,
        "person": person,
        "family": family,
        "ratings": ratings,
        "money_metrics": MONEY_METRICS,
        "incentive": selectors.incentive_for(person, timezone.localdate()),
    }
    return render(request, "team_stars/history.html", context)


@login_required
def distribution_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    on = parse_date(request.GET.get("on", "") or "") if request.GET.get("on") else None
    bad = bool(request.GET.get("on")) and on is None
    day: dt.date = on or timezone.localdate()
    result = selectors.distribution(user, day)
    context = {"nav": NAV, "result": result, "stars": [0, *STARS], "bad_date": bad}
    return render(request, "team_stars/distribution.html", context, status=400 if bad else 200)


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": NAV,
        "schemes": list(selectors.schemes()),
        "stars": STARS,
        "money_metrics": MONEY_METRICS,
    }
    return render(request, "team_stars/schemes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def family_page(request: HttpRequest) -> HttpResponse:
    """Who is rated in which role family: the people a manager manages, everyone for a director."""
    user = current_user(request)
    if not may_rate(user):
        raise PermissionDenied(_("Only managers and directors assign role families."))
    if request.method == "POST":
        form = FamilyForm(request.POST)
        if form.is_valid():
            person = get_visible_rated_person(user, form.cleaned_data["person"])
            try:
                if form.cleaned_data["family"]:
                    services.assign_family(person, form.cleaned_data["family"], by=user)
                else:
                    services.remove_family(person, by=user)
            except PermissionDenied as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The role family of %(person)s is saved.") % {"person": person})
        return redirect("team_stars:families")
    people = list(
        visible_users(user)
        .filter(is_active=True)
        .select_related("team", "star_family")
        .order_by("team__name", "name", "username")
    )
    context = {"nav": NAV, "people": people, "families": RoleFamily.choices}
    return render(request, "team_stars/families.html", context)
