"""Initiation over JSON: a deal's report (prefilled before its first save), save, submit, withdraw."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router

from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import READ_ERRORS, VERSIONED_WRITE_ERRORS, expected_version, refuse_nulls, set_etag
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.planning.initiation import selectors, services
from kam.planning.initiation.models import InitiationReport
from kam.planning.initiation.schemas import InitiationReportIn, InitiationReportOut

router = Router(tags=["Initiation"])

TEXT_FIELDS = ("background", "customer_needs", "our_solution", "product_line", "resources", "risks")


def _deal(request: HttpRequest, pk: int) -> Opportunity:
    qs = Opportunity.objects.select_related("customer", "stage", "owner", "customer_lead")
    return get_visible_opportunity(current_user(request), pk, queryset=qs)


def _body(response: HttpResponse, deal: Opportunity) -> dict[str, Any]:
    report = selectors.report_for(deal)
    set_etag(response, report.version if report is not None else 0)
    return InitiationReportOut.build(deal, report)


def _version(deal: Opportunity) -> int:
    report = selectors.report_for(deal)
    return report.version if report is not None else 0


@router.get("/initiation/{int:opportunity_id}", response={200: InitiationReportOut, **READ_ERRORS})
def get_report(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """The deal's initiation report; before its first save, the values kam would prefill
    (`status` not_started, version 0)."""
    return _body(response, _deal(request, opportunity_id))


@router.patch(
    "/initiation/{int:opportunity_id}", response={200: InitiationReportOut, **VERSIONED_WRITE_ERRORS}
)
def save_report(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: InitiationReportIn
) -> dict[str, Any]:
    """Change the fields sent (the first save creates the report: If-Match "0"). Refused (409)
    while the report awaits approval or once it is approved."""
    deal = _deal(request, opportunity_id)
    version = expected_version(request, _version(deal))
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, TEXT_FIELDS)
    services.save_report(deal, by=current_user(request), version=version, **changes)
    return _body(response, deal)


def _report_or_404(deal: Opportunity) -> InitiationReport:
    report = selectors.report_for(deal)
    if report is None:
        raise Http404
    return report


@router.post(
    "/initiation/{int:opportunity_id}/submit",
    response={200: InitiationReportOut, **VERSIONED_WRITE_ERRORS},
    summary="Submit the report for approval",
)
def submit_report(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """Stores the four elements, competitors and decision chain as they stand and opens an
    approval request on the `initiation` flow. 422 names what the report or the deal lacks."""
    deal = _deal(request, opportunity_id)
    report = _report_or_404(deal)
    version = expected_version(request, report.version)
    services.submit_report(report, by=current_user(request), version=version)
    return _body(response, deal)


@router.post(
    "/initiation/{int:opportunity_id}/withdraw",
    response={200: InitiationReportOut, **VERSIONED_WRITE_ERRORS},
    summary="Withdraw a pending report (back to draft)",
)
def withdraw_report(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    deal = _deal(request, opportunity_id)
    report = _report_or_404(deal)
    version = expected_version(request, report.version)
    services.withdraw_report(report, by=current_user(request), version=version)
    return _body(response, deal)
