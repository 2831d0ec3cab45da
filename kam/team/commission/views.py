"""Commission pages: the statements list (with "compute a statement" for managers), a statement with
its lines, actions, revisions and the differences from the revision before, its Excel export, the
plans, and a deal's split."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.permissions import (
    may_approve_statement,
    may_compute_statement,
    may_edit_plans,
    may_set_split,
    may_submit_statement,
)
from kam.access.team import get_visible_statement
from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.sheets import XLSX
from kam.core.web import current_user
from kam.team.commission import excel, selectors, services
from kam.team.commission.forms import FilterForm, ReturnForm, SplitForm, StatementForm
from kam.team.commission.models import StatementStatus
from kam.team.commission.periods import period_label

PAGE_SIZE = 50


def _url(pk: int) -> str:
    return reverse("team_commission:statement", args=[pk])


@login_required
@require_http_methods(["GET", "POST"])
def statement_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    people = selectors.visible_people(user).exclude(pk=user.pk)
    form = None
    if people.exists():
        form = StatementForm(request.POST or None, people=people)
        if request.method == "POST" and form.is_valid():
            start, end = form.cleaned_data["period"]
            try:
                statement = services.create_statement(
                    form.cleaned_data["person"], by=user, period_start=start, period_end=end
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except RuleViolation as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Statement computed."))
                return redirect(_url(statement.pk))
    filters = FilterForm(request.GET or None, statuses=StatementStatus.choices)
    period = filters.cleaned_data.get("period") if filters.is_valid() else None
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    qs = selectors.statements(user, period_start=period[0] if period else None, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(s, period_label(s.period_start, s.period_end)) for s in page]
    return render(
        request,
        "team/commission/statements.html",
        {"form": form, "filters": filters, "page": page, "rows": rows},
    )


@login_required
@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    statement = get_visible_statement(user, pk)
    return render(request, "team/commission/statement.html", _detail_context(user, statement))


def _detail_context(user: Any, statement: Any, **extra: Any) -> dict[str, Any]:
    diffs = selectors.differences(statement)
    return {
        "statement": statement,
        "period": period_label(statement.period_start, statement.period_end),
        "lines": selectors.lines(statement),
        "differences": diffs,
        "difference_total": sum((d.delta for d in diffs), 0),
        "revisions": selectors.revisions(statement),
        "may_submit": statement.status == StatementStatus.DRAFT and may_submit_statement(user, statement),
        "may_approve": statement.status == StatementStatus.SUBMITTED
        and may_approve_statement(user, statement),
        "may_recompute": may_compute_statement(user, statement.person)
        and not (statement.status == StatementStatus.APPROVED and hasattr(statement, "next_revision")),
        "return_form": extra.pop("return_form", None) or ReturnForm(initial={"version": statement.version}),
        **extra,
    }


ACTIONS = ("submit", "approve", "return", "recompute")


@login_required
@require_POST
def statement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user = current_user(request)
    statement = get_visible_statement(user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    target = statement
    try:
        if action == "submit":
            services.submit(statement, by=user, version=version)
            messages.success(request, _("Statement submitted for approval."))
        elif action == "approve":
            services.approve(statement, by=user, version=version)
            messages.success(request, _("Statement approved."))
        elif action == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                context = _detail_context(user, statement, return_form=form)
                return render(request, "team/commission/statement.html", context, status=422)
            services.return_statement(
                statement, by=user, version=version, comment=form.cleaned_data["comment"]
            )
            messages.success(request, _("Statement returned to draft."))
        else:
            target = services.recompute(statement, by=user, version=version)
            if target.pk != statement.pk:
                messages.success(request, _("Recomputed as a new revision: the approved one is kept."))
            else:
                messages.success(request, _("Statement recomputed."))
    except ConflictError as error:
        context = _detail_context(user, statement, error=str(error))
        return render(request, "team/commission/statement.html", context, status=409)
    except (RuleViolation, ValidationError) as error:
        text = str(error) if isinstance(error, RuleViolation) else " ".join(error.messages)
        context = _detail_context(user, statement, error=text)
        return render(request, "team/commission/statement.html", context, status=409)
    return redirect(_url(target.pk))


@login_required
@require_GET
def statement_export(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_visible_statement(current_user(request), pk)
    body = excel.workbook(statement, selectors.lines(statement))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{excel.file_name(statement)}"'
    return response


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "team/commission/plans.html",
        # Plans are edited in the admin (and over the API): the link is for those who can open it.
        {"plans": selectors.plans(), "may_edit": may_edit_plans(user) and user.is_staff},
    )


@login_required
@require_http_methods(["GET", "POST"])
def split(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = get_visible_opportunity(user, pk)
    current, rows = selectors.split_of(opportunity)
    people = services.split_candidates(opportunity)
    initial = {row.user.pk: row.share for row in rows}
    version = current.version if current is not None else 0
    may_edit = may_set_split(user, opportunity)
    form = SplitForm(
        request.POST or None, people=people, initial_shares=initial, initial={"version": version}
    )
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_split(
                    opportunity, by=user, version=form.cleaned_data["version"], shares=form.shares()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except ConflictError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Split saved."))
                return redirect(reverse("team_commission:split", args=[opportunity.pk]))
        status = 422
    return render(
        request,
        "team/commission/split.html",
        {
            "opportunity": opportunity,
            "rows": rows,
            "form": form,
            "may_edit": may_edit,
            "is_default": current is None,
        },
        status=status,
    )
