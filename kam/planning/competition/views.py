"""Competitors: the directory's pages and a deal's competitor analysis page (htmx forms)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.visibility import get_visible_competitor, get_visible_opportunity
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.competition import selectors, services
from kam.planning.competition.forms import (
    AddToDealForm,
    CompetitorForm,
    SearchForm,
    SupporterForm,
    cell_name,
    parse_grid,
)
from kam.planning.competition.models import CompetitorSupporter


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = (request.GET.get(name) or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) < 6 else None


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = SearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.directory(user, search), selectors.DIRECTORY_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "planning/competition/directory.html",
        {"form": form, "page": page, "search": search, "nav": "competitors"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def competitor_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            competitor = services.create_competitor(by=user, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("planning_competition:competitor", pk=competitor.pk)
    return render(request, "planning/competition/form.html", {"form": form, "nav": "competitors"})


@login_required
@require_http_methods(["GET", "POST"])
def competitor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    competitor = get_visible_competitor(user, pk)
    profile = selectors.profile(competitor)
    initial = {
        "name": competitor.name,
        "notes": competitor.notes,
        "website": profile.website,
        "headquarters": profile.headquarters,
        "strengths": profile.strengths,
        "weaknesses": profile.weaknesses,
        "version": profile.version,
    }
    form = CompetitorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_competitor(competitor, by=user, version=form.cleaned_data["version"], **data)
        except ConflictError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("planning_competition:competitor", pk=competitor.pk)
    return render(
        request,
        "planning/competition/form.html",
        {"form": form, "competitor": competitor, "nav": "competitors"},
    )


@login_required
@require_GET
def competitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    competitor = get_visible_competitor(user, pk)
    status = request.GET.get("status") or ""
    status = status if status in selectors.CLOSED else ""
    year = _int_param(request, "year")
    stage_order = _int_param(request, "stage")
    deals = selectors.record_deals(user, competitor, status=status, year=year, stage_order=stage_order)
    page = Paginator(deals, selectors.DEALS_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "competitor": competitor,
        "profile": selectors.profile(competitor),
        "record": selectors.record(user, competitor),
        "deals": page,
        "filters": {"status": status, "year": year, "stage": stage_order},
        "filtered": bool(status or year is not None or stage_order is not None),
        "open_deals": list(selectors.open_deals(user, competitor)[:50]),
        "history": selectors.competitor_history(competitor),
        "statuses": [(s.value, s.label) for s in OpportunityStatus if s.value in selectors.CLOSED],
        "nav": "competitors",
    }
    return render(request, "planning/competition/detail.html", context)


# --- a deal's competitor analysis ---------------------------------------------------------------------


def _deal_context(
    user: User, opportunity: Opportunity, *, grid: selectors.GridView | None = None, **extra: Any
) -> dict[str, Any]:
    view = grid or selectors.grid(opportunity)
    chain = selectors.chain_contacts(opportunity)
    context: dict[str, Any] = {
        "opportunity": opportunity,
        "grid": view,
        "chain": chain,
        "add_form": AddToDealForm(opportunity=opportunity),
        "supporter_form": SupporterForm(
            chain=chain, competitors=[s.competitor for s in view.competitors if s.competitor]
        ),
        "history": selectors.deal_history(opportunity),
        "grid_errors": [],
    }
    context.update(extra)
    return context


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _render_deal(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    template = (
        "planning/competition/_workspace.html" if _htmx(request) else "planning/competition/opportunity.html"
    )
    return render(request, template, context)


def _opportunity(user: User, pk: int) -> Opportunity:
    return get_visible_opportunity(
        user, pk, queryset=Opportunity.objects.select_related("customer", "stage", "owner")
    )


@login_required
@require_GET
def opportunity_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    return render(request, "planning/competition/opportunity.html", _deal_context(user, opportunity))


def _overlay(view: selectors.GridView, data: Any, version: int | None) -> None:
    for row in view.rows:
        for cell in row.cells:
            score_field = cell_name("score", row.dimension.pk, cell.side.key)
            if score_field in data:
                raw = (data.get(score_field) or "").strip()
                cell.score = int(raw) if raw.isdecimal() and len(raw) < 3 else None
                cell.note = data.get(cell_name("note", row.dimension.pk, cell.side.key)) or ""
    if version is not None:
        view.version = version


@login_required
@require_POST
def grid_save(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    view = selectors.grid(opportunity)
    version, cells, errors = parse_grid(request.POST, view)
    if not errors:
        try:
            services.save_grid(opportunity, by=user, version=version, cells=cells)
        except ConflictError as error:
            errors = [str(error)]
        except ValidationError as error:
            errors = [m for messages in error.message_dict.values() for m in messages]
        else:
            if not _htmx(request):
                return redirect("planning_competition:opportunity", pk=opportunity.pk)
            return _render_deal(request, _deal_context(user, opportunity, saved=True))
    # What the person typed stays on the form beside the messages, with the version they read.
    _overlay(view, request.POST, version)
    context = _deal_context(user, opportunity, grid=view, grid_errors=errors)
    return _render_deal(request, context)


@login_required
@require_POST
def add_competitor(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    form = AddToDealForm(request.POST, opportunity=opportunity)
    if form.is_valid():
        try:
            services.add_to_deal(
                opportunity,
                by=user,
                competitor=form.cleaned_data["competitor"],
                new_name=form.cleaned_data["new_name"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not _htmx(request):
                return redirect("planning_competition:opportunity", pk=opportunity.pk)
            return _render_deal(request, _deal_context(user, opportunity))
    return _render_deal(request, _deal_context(user, opportunity, add_form=form))


@login_required
@require_POST
def supporter_mark(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    view = selectors.grid(opportunity)
    chain = selectors.chain_contacts(opportunity)
    competitors = [s.competitor for s in view.competitors if s.competitor]
    form = SupporterForm(request.POST, chain=chain, competitors=competitors)
    if form.is_valid():
        contact = next(e.contact for e in chain if e.contact_id == form.cleaned_data["contact"])
        competitor = next(c for c in competitors if c.pk == form.cleaned_data["competitor"])
        try:
            services.mark_supporter(
                opportunity, by=user, contact=contact, competitor=competitor, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not _htmx(request):
                return redirect("planning_competition:opportunity", pk=opportunity.pk)
            return _render_deal(request, _deal_context(user, opportunity))
    return _render_deal(
        request,
        _deal_context(user, opportunity, supporter_form=form),
    )


@login_required
@require_POST
def supporter_remove(request: HttpRequest, pk: int, supporter_pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    supporter = (
        CompetitorSupporter.objects.filter(opportunity=opportunity)
        .select_related("contact", "competitor", "opportunity")
        .filter(pk=supporter_pk)
        .first()
    )
    if supporter is None:
        raise Http404
    services.remove_supporter(supporter, by=user)
    if not _htmx(request):
        return redirect("planning_competition:opportunity", pk=opportunity.pk)
    return _render_deal(request, _deal_context(user, opportunity))


@login_required
@require_GET
def chain_supporters(request: HttpRequest, pk: int) -> HttpResponse:
    """The marks the decision chain page loads through htmx: who in the chain supports a competitor."""
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    supporters = sorted(
        selectors.supporters_by_contact(opportunity).values(), key=lambda s: (s.contact.name, s.pk)
    )
    return render(
        request,
        "planning/competition/_chain_supporters.html",
        {"opportunity": opportunity, "supporters": supporters},
    )
