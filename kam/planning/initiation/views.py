"""The initiation report page of one opportunity: the form while it is a draft (or rejected), the
report as submitted otherwise, its approval and its history. The forms post through htmx and get
the report section back; without JavaScript they post and redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError, RuleViolation
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.planning.initiation import selectors, services
from kam.planning.initiation.forms import InitiationReportForm, VersionForm
from kam.planning.initiation.models import InitiationReport

TEMPLATE = "planning/initiation/page.html"


def _opportunity(request: HttpRequest, pk: int) -> Opportunity:
    qs = Opportunity.objects.select_related("customer", "stage", "owner", "customer_lead")
    return get_visible_opportunity(current_user(request), pk, queryset=qs)


def _context(
    request: HttpRequest,
    opportunity: Opportunity,
    report: InitiationReport | None,
    form: InitiationReportForm | None = None,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    live = report is None or report.is_editable
    if form is None and live:
        if report is None:
            form = InitiationReportForm(initial={**services.prefill(opportunity), "version": 0})
        else:
            form = InitiationReportForm(instance=report, initial={"version": report.version})
    approval = report.approval if report is not None else None
    return {
        "nav": "pipeline",
        "opportunity": opportunity,
        "report": report,
        "form": form,
        "errors": errors or [],
        "live": live,
        "elements": selectors.four_elements(opportunity) if live else report.elements,  # type: ignore[union-attr]
        "competitors": selectors.competitors(opportunity) if live else report.competitors,  # type: ignore[union-attr]
        "chain": selectors.decision_chain(opportunity) if live else report.decision_chain,  # type: ignore[union-attr]
        "approval": approval,
        "decisions": list(approval.decisions.select_related("approver", "step")) if approval else [],
        "history": selectors.history(report) if report is not None else [],
        "state": selectors.state_label(report.status if report else None),
        "may_withdraw": bool(
            report is not None
            and approval is not None
            and report.status == "pending"
            and approval.requested_by_id == current_user(request).pk
        ),
    }


def _respond(request: HttpRequest, opportunity: Opportunity, context: dict[str, Any]) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, TEMPLATE + "#report", context)
    return render(request, TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the page. POST: save the report's fields (creating the report on its first save)."""
    deal = _opportunity(request, pk)
    report = selectors.report_for(deal)
    if request.method == "GET":
        return render(request, TEMPLATE, _context(request, deal, report))
    form = InitiationReportForm(request.POST, instance=report)
    if not form.is_valid():
        return _respond(request, deal, _context(request, deal, report, form=form))
    values = {name: form.cleaned_data[name] for name in services.FIELDS}
    try:
        services.save_report(
            deal, by=current_user(request), version=form.cleaned_data["version"] or 0, **values
        )
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in services.FIELDS else None, field_errors)
        return _respond(request, deal, _context(request, deal, report, form=form))
    except (ConflictError, RuleViolation) as error:
        return _respond(
            request, deal, _context(request, deal, selectors.report_for(deal), errors=[_message(error)])
        )
    messages.success(request, _("The initiation report is saved."))
    if getattr(request, "htmx", False):
        return _respond(request, deal, _context(request, deal, selectors.report_for(deal)))
    return redirect("planning_initiation:opportunity", pk=deal.pk)


def _message(error: Exception) -> str:
    if isinstance(error, ConflictError):
        return _(
            "Someone changed the report meanwhile: here it is as it stands now. Apply your change again."
        )
    return str(error)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    deal = _opportunity(request, pk)
    report = selectors.report_for(deal)
    form = VersionForm(request.POST)
    errors: list[str] = []
    if report is None:
        errors = [_("Save the report first.")]
    elif not form.is_valid():
        errors = [_("The form was incomplete: reload the page.")]
    else:
        try:
            action(report, by=current_user(request), version=form.cleaned_data["version"])
        except ValidationError as error:
            errors = [
                (f"{selectors.field_label(f)}: " if f in services.FIELDS else "") + m
                for f, ms in error.message_dict.items()
                for m in ms
            ]
        except (ConflictError, RuleViolation) as error:
            errors = [_message(error)]
    if not errors:
        messages.success(request, done)
    if getattr(request, "htmx", False) or errors:
        return _respond(request, deal, _context(request, deal, selectors.report_for(deal), errors=errors))
    return redirect("planning_initiation:opportunity", pk=deal.pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.submit_report, _("The initiation report is submitted for approval."))


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, services.withdraw_report, _("The initiation report is withdrawn: it is a draft again.")
    )
