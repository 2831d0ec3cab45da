"""The contest pages: the contests one takes part in or runs, a contest's live ranking and bonus
table, creating and editing (managers for their teams), freezing the results after the period."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.permissions import may_create_contest, may_edit_contest
from kam.access.team import contests_for, get_visible_contest
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.team.contests import selectors, services
from kam.team.contests.forms import ContestForm
from kam.team.contests.models import Contest


@login_required
@require_GET
def contest_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    contests = list(contests_for(user).select_related("created_by").prefetch_related("people", "teams"))
    rows = [(c, c.state(today)) for c in contests]
    return render(
        request,
        "team/contests/list.html",
        {"rows": rows, "may_create": may_create_contest(user)},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contest = get_visible_contest(user, pk)
    today = timezone.localdate()
    ranking = selectors.live_ranking(contest)
    return render(
        request,
        "team/contests/detail.html",
        {
            "contest": contest,
            "state": contest.state(today),
            "ranking": ranking,
            "bonuses": sorted(selectors.bonus_table(contest).items()),
            "participants": selectors.participants_label(contest),
            "may_edit": may_edit_contest(user, contest),
            "me": user.pk,
            "my_team": user.team_id,
        },
    )


def _save(request: HttpRequest, form: ContestForm, contest: Contest | None) -> Contest:
    user = current_user(request)
    data = form.cleaned_data
    fields: dict[str, Any] = {
        name: data[name] for name in ("name", "description", "period_start", "period_end", "metric")
    }
    if contest is None:
        return services.create_contest(
            by=user,
            participant_kind=data["participant_kind"],
            people=list(data["people"]),
            teams=list(data["teams"]),
            bonuses=form.bonuses(),
            **fields,
        )
    return services.update_contest(
        contest,
        by=user,
        version=data["version"],
        people=list(data["people"]),
        teams=list(data["teams"]),
        bonuses=form.bonuses(),
        **fields,
    )


def _form_page(request: HttpRequest, contest: Contest | None) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        form = ContestForm(
            user=user, contest=contest, initial=None if contest else {"participant_kind": "people"}
        )
        return render(request, "team/contests/form.html", {"form": form, "contest": contest})
    form = ContestForm(request.POST, user=user, contest=contest)
    status = 400
    if form.is_valid():
        try:
            saved = _save(request, form, contest)
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Contest %(name)s saved.") % {"name": saved.name})
            return redirect("team_contests:detail", pk=saved.pk)
    return render(request, "team/contests/form.html", {"form": form, "contest": contest}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not may_create_contest(current_user(request)):
        raise PermissionDenied
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contest = get_visible_contest(user, pk)
    if not may_edit_contest(user, contest) or contest.finished_at is not None:
        raise PermissionDenied
    return _form_page(request, contest)


@login_required
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contest = get_visible_contest(user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.finish_contest(contest, by=user, version=version)
    except ConflictError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Results frozen: the winners are final."))
    return redirect("team_contests:detail", pk=contest.pk)
