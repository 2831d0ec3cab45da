"""The opportunity workspace: pipeline table, board, opportunity page and its forms.

Thin by rule: parse the request, call a selector or service, render. Every object comes
through `selectors.opportunity_detail`, so a record the user may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.access.visibility import (
    get_visible_chain_entry,
    get_visible_deal_team_member,
    get_visible_exit_criterion,
)
from kam.core import sheets
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import labelled_errors
from kam.core.ids import parse_id
from kam.core.keyset import CursorError
from kam.core.web import current_user
from kam.opportunities import export, selectors, services
from kam.opportunities.flags import flag_engine
from kam.opportunities.forms import (
    CloseForm,
    CompetitorForm,
    ContactRoleForm,
    MemberForm,
    MoveForm,
    OpportunityCreateForm,
    OpportunityEditForm,
    PipelineFilterForm,
    add_service_errors,
)
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SalesProcess,
    Stage,
)

PAGE_SIZE = 50
BOARD_CARDS_PER_COLUMN = 30


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or bool(getattr(request, "htmx", False))


# --- pipeline table -------------------------------------------------------------------------


def _pipeline_params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = request.GET.dict()
    # Open deals are what a manager reviews; "all" is an explicit choice.
    if not params.get("status"):
        params["status"] = OpportunityStatus.OPEN
    return params


def _sort_links(request: HttpRequest, current: str) -> dict[str, dict[str, str]]:
    """Per column: the URL that sorts by it (toggling direction) and the arrow of the current sort."""
    links = {}
    for key in selectors.SORTS:
        if current == key:
            target, arrow = f"-{key}", "▲"
        elif current == f"-{key}":
            target, arrow = key, "▼"
        else:
            target, arrow = key, ""
        query = request.GET.copy()
        query["sort"] = target
        query.pop("page", None)
        query.pop("cursor", None)
        links[key] = {"url": f"?{query.urlencode()}", "arrow": arrow}
    return links


def _page_url(query: Any, cursor: str | None) -> str | None:
    """The address of the page a cursor starts, keeping the filters and sort."""
    if cursor is None:
        return None
    query = query.copy()
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    params = _pipeline_params(request)
    filters = selectors.PipelineFilters.from_mapping(params)
    errors = selectors.filter_errors(filters)
    sort = request.GET.get("sort")
    cursor_notice = None
    try:
        page = selectors.pipeline_page(user, filters, sort, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except CursorError:
        # A link made for another sort or filter, or cut short when copied: the first page, said so.
        cursor_notice = _("That page link no longer fits this table; here is the first page.")
        page = selectors.pipeline_page(user, filters, sort, limit=PAGE_SIZE)
    # Page links keep every filter and the sort; only the position changes.
    page_query = request.GET.copy()
    page_query.pop("cursor", None)
    page_query.pop("page", None)
    context = {
        "nav": "pipeline",
        "filter_form": PipelineFilterForm(params, user=user),
        "filter_errors": errors,
        "cursor_notice": cursor_notice,
        "page": page,
        "previous_url": _page_url(page_query, page.previous_cursor),
        "next_url": _page_url(page_query, page.next_cursor),
        "rows": selectors.attach_win_predictions(
            filters.engine().attach(selectors.attach_relationship_scores(page.rows))
        ),
        "totals": selectors.pipeline_totals(user, filters),
        "sort": page.sort,
        "sort_links": _sort_links(request, page.sort),
        "export_query": page_query.urlencode(),
    }
    template = "opportunities/pipeline.html"
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


def _ids(values: list[str]) -> list[int]:
    return sorted({number for number in map(parse_id, values) if number})


@login_required
def pipeline_export(request: HttpRequest) -> HttpResponse:
    """Excel of the rows matching the table's filters, or (`selected`) of the ticked rows only."""
    user = current_user(request)
    params = _pipeline_params(request)
    filters = selectors.PipelineFilters.from_mapping(params)
    back = reverse("opportunities:pipeline")
    ids: list[int] | None = None
    if request.GET.get("selected"):
        ids = _ids(request.GET.getlist("ids"))
        if not ids:
            messages.warning(request, _("Tick the rows to export first."))
            query = request.GET.copy()
            for name in ("selected", "ids", "cursor"):
                query.pop(name, None)
            return redirect(back + ("?" + query.urlencode() if query else ""))
    elif selectors.filter_errors(filters):
        # A file of "everything" for a filter that was refused would look like the answer to it.
        messages.error(request, _("Some filters could not be used (see above), so nothing was exported."))
        return redirect(back + "?" + request.GET.urlencode())
    content, filename = export.pipeline_xlsx(user, filters, request.GET.get("sort"), ids)
    response = HttpResponse(content, content_type=sheets.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- board ----------------------------------------------------------------------------------


def _board_process(request: HttpRequest, processes: list[SalesProcess]) -> SalesProcess:
    wanted = request.GET.get("process")
    for process in processes:
        if wanted and str(process.pk) == wanted:
            return process
    default = next((p for p in processes if p.is_default), None)
    return default or processes[0]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    processes = list(SalesProcess.objects.order_by("-is_default", "name"))
    if not processes:
        return render(request, "opportunities/board.html", {"nav": "board", "processes": [], "columns": []})
    process = _board_process(request, processes)
    columns = selectors.board_columns(
        current_user(request), selectors.PipelineFilters(), process.pk, per_column=BOARD_CARDS_PER_COLUMN
    )
    flag_engine().attach([card for column in columns for card in column["cards"]])
    for column in columns:
        column["more"] = column["count"] - len(column["cards"])
    context = {
        "nav": "board",
        "processes": processes,
        "process": process,
        "columns": columns,
        "board_url": f"{reverse('opportunities:board')}?process={process.pk}",
    }
    template = "opportunities/board.html"
    if getattr(request, "htmx", False):
        template += "#board"
    return render(request, template, context)


# --- stage move -----------------------------------------------------------------------------


@login_required
def open_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """The exit criteria of the deal's current stage still open, for the move dialog to show before
    the move (a fragment the board fetches when the dialog opens)."""
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    return render(
        request,
        "opportunities/_open_criteria.html",
        {"opportunity": opportunity, "open_criteria": selectors.open_exit_criteria(opportunity)},
    )


def _move_failed(
    request: HttpRequest, opportunity: Opportunity, message: str, errors: dict | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message, "errors": errors or {}}, status=409)
    messages.error(request, message)
    return redirect("opportunities:detail", pk=opportunity.pk)


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    form = MoveForm(request.POST)
    form.fields["to_stage"].queryset = Stage.objects.filter(  # type: ignore[attr-defined]
        process_id=opportunity.stage.process_id
    )
    if not form.is_valid():
        message = " ".join(str(m) for errors in form.errors.values() for m in errors)
        return _move_failed(request, opportunity, message, form.errors.get_json_data())
    try:
        result = services.move_stage(
            opportunity,
            form.cleaned_data["to_stage"],
            by=current_user(request),
            note=form.cleaned_data["note"],
            key_node_confirmed=form.cleaned_data["key_node_confirmed"],
            version=form.cleaned_data["version"],
            achieved=form.cleaned_data["achieved"],
            carry_over=form.cleaned_data["carry_over"],
        )
    except RuleViolation as exc:
        return _move_failed(request, opportunity, str(exc), exc.errors)
    except ConflictError as exc:
        return _move_failed(request, opportunity, str(exc))
    stage = result.opportunity.stage
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": _("Moved to %(stage)s.") % {"stage": stage},
                "warnings": result.warnings,
                "stage": stage.pk,
                "version": result.opportunity.version,
            }
        )
    messages.success(request, _("Moved to %(stage)s.") % {"stage": stage})
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect("opportunities:detail", pk=opportunity.pk)


# --- opportunity page -----------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = selectors.opportunity_detail(user, pk)
    return render(request, "opportunities/detail.html", _detail_context(request, opportunity))


def _detail_context(request: HttpRequest, opportunity: Opportunity, **extra: Any) -> dict[str, Any]:
    page = selectors.opportunity_page(opportunity)
    current = opportunity.stage
    move_form = MoveForm(initial={"version": opportunity.version})
    move_form.fields["to_stage"].queryset = Stage.objects.filter(  # type: ignore[attr-defined]
        process_id=current.process_id
    ).exclude(pk=current.pk)
    context = {
        "nav": "pipeline",
        "opportunity": opportunity,
        "health_flags": flag_engine().flags_for([opportunity]).get(opportunity.pk, []),
        "win_prediction": selectors.win_prediction(opportunity),
        **page,
        "move_form": move_form,
        "close_form": CloseForm(initial={"version": opportunity.version}),
        "member_form": MemberForm(),
        "contact_form": ContactRoleForm(user=current_user(request), opportunity=opportunity),
        "competitor_form": CompetitorForm(),
    }
    context.update(extra)
    return context


def _back(opportunity: Opportunity, anchor: str = "") -> HttpResponse:
    return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + (f"#{anchor}" if anchor else ""))


def _report_errors(request: HttpRequest, form: Any) -> None:
    """A small form's errors as messages at the top of the page, each naming its field."""
    for line in labelled_errors(form):
        messages.error(request, line)


@login_required
@require_POST
def criterion(request: HttpRequest, pk: int, criterion_id: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    item = get_visible_exit_criterion(current_user(request), criterion_id)
    try:
        services.set_criterion_checked(
            opportunity,
            item,
            by=current_user(request),
            checked=request.POST.get("checked") in ("1", "on", "true"),
        )
    except RuleViolation as exc:
        messages.error(request, str(exc))
    return _back(opportunity, "criteria")


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return _back(opportunity, "team")
    try:
        services.set_member(
            opportunity,
            form.cleaned_data["user"],
            by=current_user(request),
            role=form.cleaned_data["role"],
            part=form.cleaned_data["part"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(opportunity, "team")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    member = get_visible_deal_team_member(current_user(request), opportunity, user_id)
    try:
        services.remove_member(opportunity, member.user, by=current_user(request))
    except RuleViolation as exc:
        messages.error(request, str(exc))
    return _back(opportunity, "team")


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    form = ContactRoleForm(request.POST, user=current_user(request), opportunity=opportunity)
    if not form.is_valid():
        _report_errors(request, form)
        return _back(opportunity, "contacts")
    try:
        services.set_contact_role(
            opportunity,
            form.cleaned_data["contact"],
            by=current_user(request),
            decision_role=form.cleaned_data["decision_role"],
            stance=form.cleaned_data["stance"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(opportunity, "contacts")


@login_required
@require_POST
def contact_remove(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    entry = get_visible_chain_entry(current_user(request), opportunity, entry_id)
    services.remove_contact_role(entry, by=current_user(request))
    return _back(opportunity, "contacts")


@login_required
@require_POST
def competitor_add(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_detail(current_user(request), pk)
    form = CompetitorForm(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return _back(opportunity, "competitors")
    services.add_competitor(
        opportunity,
        form.cleaned_data["competitor"],
        by=current_user(request),
        strengths=form.cleaned_data["strengths"],
        weaknesses=form.cleaned_data["weaknesses"],
        notes=form.cleaned_data["notes"],
    )
    return _back(opportunity, "competitors")


# --- create / edit / close ------------------------------------------------------------------


@login_required
def create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    preselected = parse_id(
        request.GET.get("customer") if request.method == "GET" else request.POST.get("customer")
    )
    if request.method == "POST":
        form = OpportunityCreateForm(request.POST, user=user)
        if form.is_valid():
            try:
                opportunity = services.create_opportunity(by=user, **form.service_arguments())
            except ValidationError as exc:
                add_service_errors(form, exc)
            except RuleViolation as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Opportunity %(number)s created.") % {"number": opportunity.project_number}
                )
                return redirect("opportunities:detail", pk=opportunity.pk)
    else:
        initial: dict[str, Any] = {"owner": user, "sign_date_precision": "day"}
        first = Stage.objects.filter(process__is_default=True).order_by("order").first()
        if first is not None:
            initial["stage"] = first.pk
        if preselected:
            initial["customer"] = preselected
        form = OpportunityCreateForm(initial=initial, user=user)
    return render(request, "opportunities/form.html", {"nav": "pipeline", "form": form, "creating": True})


def _form_initial(opportunity: Opportunity) -> dict[str, Any]:
    names = (
        "name",
        "amount",
        "amount_low",
        "amount_high",
        "sign_date",
        "sign_date_precision",
        "product_line",
        "gross_margin",
        "expense_budget",
        "initiated_at",
        "forecast_category",
    )
    initial = {name: getattr(opportunity, name) for name in names}
    # The records, not their ids: the pickers show their names without a query.
    initial.update(
        owner=opportunity.owner, customer_lead=opportunity.customer_lead, version=opportunity.version
    )
    return initial


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = selectors.opportunity_detail(user, pk)
    kwargs: dict[str, Any] = {"user": user, "opportunity": opportunity}
    current = None
    if request.method == "POST":
        form = OpportunityEditForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                services.update_opportunity(
                    opportunity, by=user, version=form.cleaned_data["version"], **form.service_arguments()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except RuleViolation as exc:
                form.add_error(None, str(exc))
            except ConflictError:
                current = selectors.opportunity_detail(user, pk)
                form.add_error(
                    None,
                    _(
                        "Someone else changed this opportunity while you were editing it; nothing was saved. "
                        "Its current values are shown below: apply your change again."
                    ),
                )
            else:
                messages.success(request, _("Saved."))
                return redirect("opportunities:detail", pk=opportunity.pk)
    else:
        form = OpportunityEditForm(initial=_form_initial(opportunity), **kwargs)
    context = {
        "nav": "pipeline",
        "form": form,
        "opportunity": opportunity,
        "creating": False,
        "current": current,
    }
    return render(request, "opportunities/form.html", context)


@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = selectors.opportunity_detail(user, pk)
    if request.method == "POST":
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.close_opportunity(
                    opportunity,
                    by=user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    reason_choice=form.cleaned_data["reason_choice"],
                    lost_to=form.cleaned_data["lost_to"],
                    lessons=form.cleaned_data["lessons"],
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except RuleViolation as exc:
                form.add_error(None, str(exc))
            except ConflictError:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this opportunity since you opened it; reload and close it again."
                    ),
                )
            else:
                messages.success(request, _("Opportunity closed."))
                return redirect("opportunities:detail", pk=opportunity.pk)
    else:
        form = CloseForm(initial={"version": opportunity.version})
    return render(
        request, "opportunities/close.html", {"nav": "pipeline", "form": form, "opportunity": opportunity}
    )
