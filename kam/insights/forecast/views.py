"""Forecast, funnel and targets pages: parse → selector/service → render."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_target, targets_for
from kam.core.errors import ConflictError
from kam.core.excel import safe_cell
from kam.core.web import current_user
from kam.insights.forecast import funnel, periods, selectors
from kam.insights.forecast import funnel_export as funnel_export_module
from kam.insights.forecast.forms import ForecastForm, TargetForm, TargetUploadForm
from kam.insights.targets import selectors as target_selectors
from kam.insights.targets import services as target_services
from kam.opportunities.models import SalesProcess
from kam.org.models import Target

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAN = Decimal("10000")
# The same words as the page's columns ("Pipeline" is the forecast category, not the menu entry).
FIGURE_LABELS = (
    ("won", gettext_lazy("Won")),
    ("commit", gettext_lazy("Commit")),
    ("best_case", gettext_lazy("Best case")),
    ("pipeline", pgettext_lazy("forecast category", "Pipeline")),
    ("weighted", gettext_lazy("Weighted")),
    ("open_amount", gettext_lazy("Open pipeline")),
)


def _forecast_context(request: HttpRequest) -> dict[str, Any]:
    form = ForecastForm(request.GET or None)
    choice, period_error = form.choice()
    group = form.chosen_group()
    bucket = form.chosen_bucket(choice.kind)
    unit = form.chosen_unit() if (get_language() or "").startswith("zh") else "yuan"
    result = selectors.forecast(current_user(request), group, bucket, start=choice.start, end=choice.end)
    divisor = WAN if unit == "wan" else Decimal(1)

    def scaled(value: Decimal | None) -> str | None:
        return None if value is None else str((value / divisor).quantize(Decimal("0.01")))

    chart = {
        "unit": unit,
        "labels": {
            "won": _("Won"),
            "commit": _("Commit"),
            "best_case": _("Best case"),
            "pipeline": pgettext("forecast category", "Pipeline"),
            "weighted": _("Weighted"),
            "target": _("Target"),
        },
        "title": _("Forecast %(period)s") % {"period": choice.label}
        + (" (" + _("unit: 10k yuan") + ")" if unit == "wan" else ""),
        "groups": [g.label for g in result.groups],
        "series": {
            name: [scaled(getattr(g.figures, name)) for g in result.groups]
            for name in ("won", "commit", "best_case", "pipeline", "weighted")
        },
        "targets": [scaled(g.target.target) if g.target else None for g in result.groups],
    }
    quick = periods.quick_periods()
    quick_links = []
    for key, label, _period in quick:
        # A quick period changes the period only: grouping, buckets and unit stay as chosen.
        query = request.GET.copy()
        query["p"] = key
        query["group"] = group
        quick_links.append((label, "?" + query.urlencode()))
    return {
        "form": form,
        "choice": choice,
        "period_error": period_error,
        "quick": quick,
        "quick_links": quick_links,
        "group": group,
        "bucket": bucket,
        "unit": unit,
        "result": result,
        "period_rows": [(result.period_label(k), result.by_period[k]) for k in result.periods],
        "chart": chart,
        "shows_targets": group in ("rep", "team"),
        "show_unit_choice": (get_language() or "").startswith("zh"),
        "nav": "forecast",
        "query": request.GET.urlencode(),
    }


@login_required
def forecast_page(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/forecast.html", _forecast_context(request))


@login_required
def forecast_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    context = _forecast_context(request)
    result: selectors.ForecastResult = context["result"]
    choice: periods.PeriodChoice = context["choice"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Forecast")
    sheet.append([_("Forecast %(period)s") % {"period": choice.label}, f"{choice.start} – {choice.end}"])
    sheet["A1"].font = Font(bold=True)
    group_label = dict(ForecastForm.base_fields["group"].choices)[result.group]  # type: ignore[attr-defined]
    header = [str(group_label), _("Period")] + [str(label) for _name, label in FIGURE_LABELS]
    header += [_("Open count"), _("Won count")]
    if context["shows_targets"]:
        header += [_("Target"), _("Attainment"), _("Gap to target"), _("Coverage")]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    money_columns: list[int] = []

    def line(label: str, period: str, figures: selectors.Figures, target: Any) -> list[Any]:
        values: list[Any] = [safe_cell(label), period]
        values += [getattr(figures, name) for name, _label in FIGURE_LABELS]
        values += [figures.open_count, figures.won_count]
        if context["shows_targets"]:
            values += (
                [target.target, target.attainment, target.gap, target.coverage] if target else [None] * 4
            )
        return values

    for entry in result.groups:
        sheet.append(line(entry.label, choice.label, entry.figures, entry.target))
        if len(result.periods) > 1:
            for key, figures in sorted(entry.by_period.items()):
                sheet.append(line(entry.label, result.period_label(key), figures, None))
    sheet.append(line(_("Total"), choice.label, result.totals, result.total_target))
    money_columns = list(range(3, 3 + len(FIGURE_LABELS)))
    # Target, attainment, gap and coverage follow the figures and the two counts.
    first_target = 3 + len(FIGURE_LABELS) + 2
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if cell.column in money_columns or (
                context["shows_targets"] and cell.column in (first_target, first_target + 2)
            ):
                cell.number_format = "#,##0.00"
            elif context["shows_targets"] and cell.column == first_target + 1:
                cell.number_format = "0.0%"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="forecast-{choice.label.replace(" ", "")}.xlsx"'
    return response


def _funnel_process(request: HttpRequest) -> tuple[list[SalesProcess], SalesProcess | None]:
    processes = list(SalesProcess.objects.order_by("-is_default", "name"))
    code = request.GET.get("process") or None
    process = next((p for p in processes if p.code == code), None) if code else None
    return processes, process or (processes[0] if processes else None)


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    processes, process = _funnel_process(request)
    stages = funnel.funnel(current_user(request), process) if process else []
    # The funnel is drawn from the deals that reached each stage (furthest stage reached ≥ it),
    # which only narrows from stage to stage; the open deals per stage stay in the table and tooltip.
    chart = {
        "title": _("Sales funnel"),
        "stages": [
            {
                "name": f"{s.stage.code} {s.stage.display_name}",
                "reached": s.reached,
                "count": s.open_count,
                "amount": str(s.open_amount),
            }
            for s in stages
        ],
        "labels": {
            "reached": _("Reached this stage"),
            "count": _("Open opportunities"),
            "amount": _("Amount"),
        },
    }
    totals = {
        "count": sum(s.open_count for s in stages),
        "amount": sum((s.open_amount for s in stages), Decimal("0")),
    }
    return render(
        request,
        "insights/funnel.html",
        {
            "processes": processes,
            "process": process,
            "stages": stages,
            "chart": chart,
            "totals": totals,
            "nav": "funnel",
        },
    )


@login_required
def funnel_export(request: HttpRequest) -> HttpResponse:
    _processes, process = _funnel_process(request)
    if process is None:
        return redirect("forecast:funnel")
    content, filename = funnel_export_module.funnel_xlsx(current_user(request), process)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _target_form_page(request: HttpRequest, form: TargetForm, target: Target | None = None) -> HttpResponse:
    by = current_user(request)
    targets = targets_for(by).order_by("-period_start", "team__name", "user__username")
    return render(
        request,
        "insights/targets.html",
        {
            "form": form,
            "target": target,
            "targets": targets[:500],
            "can_set": permissions.may_set_targets(current_user(request)),
            "quick": periods.quick_periods(),
            "nav": "targets",
        },
    )


def _save_target(request: HttpRequest, form: TargetForm, target: Target | None) -> Target | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    fields = {
        "user": data.get("user"),
        "team": data.get("team"),
        "period_start": data.get("period_start"),
        "period_end": data.get("period_end"),
        "amount": data.get("amount"),
    }
    try:
        if target is None:
            return target_services.create_target(by=current_user(request), **fields)
        return target_services.update_target(
            target,
            by=current_user(request),
            version=data.get("version") or target.version,
            **fields,
        )
    except ConflictError as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(None if name == "__all__" or name not in form.fields else name, errors)
    return None


@login_required
def targets_page(request: HttpRequest) -> HttpResponse:
    by = current_user(request)
    if request.method == "POST":
        if not permissions.may_set_targets(by):
            raise PermissionDenied
        form = TargetForm(request.POST, by=by)
        if _save_target(request, form, None):
            messages.success(request, _("Target saved."))
            return redirect("forecast:targets")
        return _target_form_page(request, form)
    return _target_form_page(request, TargetForm(by=by))


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    by = current_user(request)
    target = get_visible_target(by, pk)
    if not permissions.may_set_target(by, user=target.user, team=target.team):
        raise PermissionDenied
    if request.method == "POST":
        form = TargetForm(request.POST, by=by, instance=target)
        if _save_target(request, form, target):
            messages.success(request, _("Target saved."))
            return redirect("forecast:targets")
    else:
        form = TargetForm(by=by, instance=target)
    return _target_form_page(request, form, target)


@login_required
@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_visible_target(current_user(request), pk)
    target_services.delete_target(target, by=current_user(request))
    messages.success(request, _("Target deleted."))
    return redirect("forecast:targets")


@login_required
def targets_upload(request: HttpRequest) -> HttpResponse:
    if not permissions.may_set_targets(current_user(request)):
        raise PermissionDenied
    result = None
    file_error = None
    if request.method == "POST":
        form = TargetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = target_services.import_targets(
                    by=current_user(request),
                    content=upload.read(),
                    filename=upload.name,
                    on_duplicate=form.cleaned_data["on_duplicate"],
                )
            except ValidationError as exc:
                file_error = "; ".join(m for ms in exc.message_dict.values() for m in ms)
            if result is not None and result.ok:
                messages.success(
                    request,
                    _("%(created)s targets added, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("forecast:targets")
    else:
        form = TargetUploadForm()
    return render(
        request,
        "insights/targets_upload.html",
        {"form": form, "result": result, "file_error": file_error, "nav": "targets"},
        status=422 if (result is not None and not result.ok) or file_error else 200,
    )


@login_required
def targets_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(target_selectors.template_xlsx(current_user(request)), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="targets-template.xlsx"'
    return response
