"""Approvals pages: what awaits me (with the decision forms), one request with its history, and
the top bar's count (loaded through htmx, so no other page pays for it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_approval_request
from kam.core.errors import ConflictError, RuleViolation
from kam.core.web import current_user
from kam.planning.approvals import selectors, services
from kam.planning.approvals.forms import DecisionForm
from kam.planning.approvals.models import ApprovalRequest


def _rows(requests: list[ApprovalRequest]) -> list[dict]:
    return [{"request": r, "url": selectors.target_url(r)} for r in requests]


@login_required
@require_GET
def awaiting(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    context = {"nav": "approvals", "rows": _rows(selectors.awaiting_page(user))}
    return render(request, "planning/approvals/awaiting.html", context)


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    count = selectors.awaiting_count(current_user(request))
    return render(request, "planning/approvals/badge.html", {"count": count})


def _visible(user, pk: int) -> ApprovalRequest:
    return get_visible_approval_request(user, pk, qs=selectors.with_history(ApprovalRequest.objects.all()))


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    approval = _visible(user, pk)
    return render(request, "planning/approvals/detail.html", _detail_context(user, approval))


def _detail_context(user, approval: ApprovalRequest, form: DecisionForm | None = None) -> dict:
    awaits_me = selectors.awaiting(user).filter(pk=approval.pk).exists()
    steps = []
    for step in approval.flow.steps.all():
        steps.append(
            {
                "step": step,
                "approvers": [a.approver for a in approval.assignments.all() if a.step_id == step.pk],
                "current": step.pk == approval.current_step_id,
            }
        )
    return {
        "nav": "approvals",
        "approval": approval,
        "target_url": selectors.target_url(approval),
        "steps": steps,
        "decisions": list(approval.decisions.all()),
        "awaits_me": awaits_me,
        "form": form or DecisionForm(initial={"version": approval.version}),
    }


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """From the awaiting list (htmx swaps the list back in) or a request's page."""
    user = current_user(request)
    approval = _visible(user, pk)
    form = DecisionForm(request.POST)
    from_list = request.POST.get("from") == "list"
    error = ""
    if form.is_valid():
        try:
            services.decide(
                approval,
                by=user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except ConflictError:
            error = _("Someone decided on this request meanwhile: here it is as it stands now.")
        except RuleViolation as refused:
            error = str(refused)
    else:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your decision on “%(title)s” is saved.") % {"title": approval.title})
    if from_list:
        if getattr(request, "htmx", False):
            rows = _rows(selectors.awaiting_page(user))
            response = render(request, "planning/approvals/awaiting.html#list", {"rows": rows})
            response["HX-Trigger"] = "approvals-changed"
            return response
        return redirect("planning_approvals:awaiting")
    return redirect("planning_approvals:request", pk=approval.pk)
