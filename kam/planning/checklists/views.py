"""The strategy checklist page of one opportunity: the questions that apply at its stage, section
by section with their completeness, each answered in its own small form (htmx swaps the whole
workspace, so the scores follow; without JavaScript each form posts and the page reloads)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.planning.checklists import selectors, services
from kam.planning.checklists.forms import AnswerForm
from kam.planning.checklists.models import ChecklistQuestion


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _context(opportunity: Opportunity, errors: dict[int, list[str]] | None = None) -> dict[str, Any]:
    checklist = selectors.checklist(opportunity)
    for section in checklist.sections:
        for row in section.rows:
            row.errors = (errors or {}).get(row.question.pk, [])
    return {"opportunity": opportunity, "checklist": checklist, "history": selectors.history(opportunity)}


def _workspace(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The workspace alone for htmx (200: htmx swaps only successful responses), else the page."""
    if _htmx(request):
        return render(request, "planning/checklists/_workspace.html", context)
    return render(request, "planning/checklists/page.html", context, status=status)


def _opportunity(request: HttpRequest, pk: int) -> Opportunity:
    user = current_user(request)
    return get_visible_opportunity(
        user, pk, queryset=Opportunity.objects.select_related("stage", "customer", "owner")
    )


@login_required
@require_GET
def opportunity_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    return _workspace(request, _context(_opportunity(request, pk)))


@login_required
@require_POST
def answer_question(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    """Save (or, with `clear`, take back) the deal's answer to one question."""
    user = current_user(request)
    opportunity = _opportunity(request, pk)
    question = ChecklistQuestion.objects.in_use().select_related("section").filter(pk=question_id).first()
    if question is None:
        raise Http404
    form = AnswerForm(request.POST, prefix=f"q{question.pk}")
    errors: list[str] = []
    status = 400
    if "clear" in request.POST:
        form.fields["value"].required = False
    if form.is_valid():
        try:
            if "clear" in request.POST:
                services.clear(opportunity, question, by=user, version=form.cleaned_data["version"])
            else:
                services.answer(
                    opportunity,
                    question,
                    by=user,
                    value=form.cleaned_data["value"],
                    note=form.cleaned_data["note"],
                    version=form.cleaned_data["version"],
                )
        except ValidationError as error:
            errors = [m for messages_ in error.message_dict.values() for m in messages_]
        except ConflictError as error:
            errors, status = [str(error)], 409
        else:
            if not _htmx(request):
                messages.success(request, _("Answer saved."))
                return redirect(reverse("planning_checklists:opportunity", kwargs={"pk": opportunity.pk}))
            return _workspace(request, _context(opportunity))
    else:
        errors = [str(m) for field_errors in form.errors.values() for m in field_errors]
    return _workspace(request, _context(opportunity, {question.pk: errors}), status=status)
