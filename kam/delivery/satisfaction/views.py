"""Satisfaction pages: the customer's "Satisfaction" section (surveys with their scores, the churn
risk now and its band, the trend, the record form), the same as a page of its own, and the surveys
list with filters and a CSV export."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import customers_for, get_visible_customer
from kam.core.excel import safe_cell
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.delivery.models import SurveyScale, SurveySource
from kam.delivery.satisfaction import selectors, services
from kam.delivery.satisfaction.forms import SurveyForm

PAGE_SIZE = 50
# The trend's drawing box (SVG user units): levels 1–5 from bottom to top.
TREND_WIDTH = 240
TREND_HEIGHT = 60


def sort_links(current: str, columns: Any, base: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per column: its aria-sort state and the address that sorts by it (again: the other way)."""
    links = {}
    for column in columns:
        if current == column:
            state, target = "ascending", "-" + column
        elif current == "-" + column:
            state, target = "descending", column
        else:
            state, target = "none", column
        links[column] = {"state": state, "url": "?" + urlencode({**base, "sort": target})}
    return links


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def trend_points(trend: list[dict[str, Any]]) -> str:
    """The levels over time as an SVG polyline's points (evenly spaced, oldest on the left)."""
    levels = [p["level"] for p in trend if p["level"] is not None]
    if len(levels) < 2:
        return ""
    step = TREND_WIDTH / (len(levels) - 1)
    return " ".join(
        f"{round(i * step, 1)},{round(TREND_HEIGHT - (level - 1) * TREND_HEIGHT / 4, 1)}"
        for i, level in enumerate(levels)
    )


def _context(
    request: HttpRequest, customer: Customer, form: SurveyForm | None = None, **state: Any
) -> dict[str, Any]:
    section = selectors.section(customer)
    names = {b.level: selectors.band_name(b) for b in section.bands}
    questions = selectors.questions()
    rows = []
    for survey in section.surveys:
        scores = {a.question_id: a.score for a in survey.answers.all()}
        rows.append(
            {
                "survey": survey,
                "level": selectors.level_for(survey, section.bands),
                "scores": [scores.get(q.pk) for q in questions],
            }
        )
    return {
        "customer": customer,
        "section": section,
        "rows": rows,
        "questions": [selectors.question_text(q) for q in questions],
        "curve": [
            {
                "level": b.level,
                "label": names[b.level],
                "churn_percent": b.churn_percent,
                "nps_from": b.nps_from,
                "nps_to": b.nps_to,
            }
            for b in section.bands
        ],
        "band_label": names.get(section.band.level) if section.band else "",
        "trend_points": trend_points(section.trend),
        "trend_width": TREND_WIDTH,
        "trend_height": TREND_HEIGHT,
        "form": form or SurveyForm(customer=customer, auto_id="id_survey_%s"),
        "history": selectors.history(customer),
        **state,
    }


def _render(request: HttpRequest, customer: Customer, *, status: int = 200, **state: Any) -> HttpResponse:
    context = _context(request, customer, **state)
    if _is_htmx(request):
        return render(request, "delivery/satisfaction/_section.html", context)
    return render(
        request, "delivery/satisfaction/customer.html", {**context, "nav": "surveys"}, status=status
    )


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_visible_customer(current_user(request), pk)
    if not _is_htmx(request):
        return redirect("delivery_satisfaction:customer", pk=customer.pk)
    return _render(request, customer)


@login_required
@require_GET
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, get_visible_customer(current_user(request), pk))


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    form = SurveyForm(request.POST, customer=customer, auto_id="id_survey_%s")
    if form.is_valid():
        try:
            services.record_survey(
                customer,
                by=user,
                taken_on=form.cleaned_data["taken_on"],
                overall=form.cleaned_data["overall"],
                scale=form.cleaned_data["scale"],
                source=form.cleaned_data["source"],
                contact=form.cleaned_data["contact"],
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = _("Survey recorded.")
            if _is_htmx(request):
                return _render(request, customer, notice=notice)
            messages.success(request, notice)
            return redirect(reverse("delivery_satisfaction:customer", kwargs={"pk": customer.pk}))
    return _render(request, customer, status=400, form=form)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    survey = selectors.get_visible_survey(user, pk)
    customer = survey.customer
    services.delete_survey(survey, by=user)
    notice = _("Survey deleted.")
    if _is_htmx(request):
        return _render(request, customer, notice=notice)
    messages.success(request, notice)
    return redirect(reverse("delivery_satisfaction:customer", kwargs={"pk": customer.pk}))


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    max_overall = parse_id(request.GET.get("max_overall"))
    filters = selectors.SurveyFilters(
        customer=parse_id(request.GET.get("customer")),
        scale=request.GET.get("scale", "") if request.GET.get("scale") in SurveyScale.values else "",
        source=request.GET.get("source", "") if request.GET.get("source") in SurveySource.values else "",
        date_from=_date(request.GET.get("date_from")),
        date_to=_date(request.GET.get("date_to")),
        max_overall=max_overall if max_overall is not None and max_overall <= 10 else None,
        sort=request.GET.get("sort") or selectors.DEFAULT_SURVEY_SORT,
    )
    qs = selectors.survey_list(user, filters)
    query = {
        k: v
        for k, v in (
            ("customer", filters.customer or ""),
            ("scale", filters.scale),
            ("source", filters.source),
            ("date_from", filters.date_from.isoformat() if filters.date_from else ""),
            ("date_to", filters.date_to.isoformat() if filters.date_to else ""),
            ("max_overall", "" if filters.max_overall is None else filters.max_overall),
        )
        if v != ""
    }
    if request.GET.get("format") == "csv":
        return _csv(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "surveys": list(page.object_list),
        "filters": filters,
        "scales": SurveyScale.choices,
        "sources": SurveySource.choices,
        "filter_customer": customers_for(user).filter(pk=filters.customer).first()
        if filters.customer
        else None,
        "has_filters": bool(query),
        "base_query": urlencode({**query, "sort": filters.sort}),
        "sort_links": sort_links(filters.sort, selectors.SURVEY_SORTS, query),
        "nav": "surveys",
    }
    return render(request, "delivery/satisfaction/list.html", context)


def _csv(qs: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="surveys.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [_("Customer"), _("Taken on"), _("Scale"), _("Overall"), _("Source"), _("Respondent"), _("Comment")]
    )
    for s in qs.iterator(chunk_size=500):
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    s.customer.name,
                    s.taken_on.isoformat(),
                    s.get_scale_display(),
                    s.overall,
                    s.get_source_display(),
                    str(s.contact) if s.contact else "",
                    s.comment,
                )
            ]
        )
    return response
