"""The playbook pages: the playbook of a sales process stage by stage, a stage's page (edited by
administrators and directors), the certification board, a rep's examinations, and the rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kam.access.permissions import may_certify, may_edit_playbook
from kam.access.visibility import get_visible_stage
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.opportunities.models import SalesProcess, Stage
from kam.org.visibility import visible_users
from kam.team.playbook import selectors, services
from kam.team.playbook.forms import EntryForm, ExaminationForm, RuleForm


def _process(request: HttpRequest) -> tuple[list[SalesProcess], SalesProcess | None]:
    processes = list(SalesProcess.objects.all())
    wanted = parse_id(request.GET.get("process", ""))
    picked = next((p for p in processes if p.pk == wanted), None)
    return processes, picked or next(
        (p for p in processes if p.is_default), processes[0] if processes else None
    )


@login_required
@require_GET
def playbook(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    processes, process = _process(request)
    stages = selectors.playbook_stages(process) if process else []
    return render(
        request,
        "team/playbook/list.html",
        {
            "processes": processes,
            "process": process,
            "stages": stages,
            "may_edit": may_edit_playbook(user),
            "certified": selectors.is_certified(user, timezone.localdate()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    found = get_visible_stage(user, pk, queryset=Stage.objects.select_related("process"))
    entry = getattr(found, "playbook", None)
    may_edit = may_edit_playbook(user)
    form = None
    status = 200
    if may_edit:
        if request.method == "POST":
            form = EntryForm(request.POST)
            if form.is_valid():
                changes = {name: form.cleaned_data[name] for name in services.ENTRY_FIELDS}
                stored = selectors.entry_for(found)
                try:
                    services.update_entry(stored, by=user, version=form.cleaned_data["version"], **changes)
                except ConflictError as error:
                    form.add_error(None, str(error))
                    status = 409
                except ValidationError as error:
                    apply_validation_error(form, error)
                    status = 400
                else:
                    messages.success(request, _("Playbook saved."))
                    return redirect("team_playbook:stage", pk=found.pk)
            else:
                status = 400
        else:
            form = EntryForm.for_entry(entry)
    elif request.method == "POST":
        raise PermissionDenied
    siblings = list(found.process.stages.order_by("order").only("pk", "code", "order"))
    position = next(i for i, s in enumerate(siblings) if s.pk == found.pk)
    return render(
        request,
        "team/playbook/stage.html",
        {
            "stage": found,
            "entry": entry,
            "form": form,
            "previous": siblings[position - 1] if position > 0 else None,
            "next": siblings[position + 1] if position + 1 < len(siblings) else None,
        },
        status=status,
    )


@login_required
@require_GET
def certifications(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    elements, rows = selectors.certification_board(user, today)
    return render(
        request,
        "team/playbook/certifications.html",
        {
            "elements": elements,
            "rows": rows,
            "today": today,
            "rule": selectors.certification_rule(),
            "may_edit_rule": may_edit_playbook(user),
        },
    )


def _person_page(
    request: HttpRequest, person: Any, form: ExaminationForm | None, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    certifies = may_certify(user, person)
    elements = list(selectors.CertificationElement.objects.filter(is_active=True))
    standing = {
        r.element_id: r
        for r in selectors.standing_records(today).filter(user=person).select_related("certified_by")
    }
    return render(
        request,
        "team/playbook/person.html",
        {
            "person": person,
            "today": today,
            "certified": selectors.is_certified(person, today),
            "standing": [(e, selectors.cell_of(standing.get(e.pk), today)) for e in elements],
            "records": selectors.records_of(person),
            "form": (form or ExaminationForm()) if certifies else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    someone = visible_users(user).filter(pk=pk).first()
    if someone is None:
        raise Http404
    if request.method != "POST":
        return _person_page(request, someone, None)
    if not may_certify(user, someone):
        raise PermissionDenied
    form = ExaminationForm(request.POST)
    if form.is_valid():
        try:
            services.record_examination(
                someone,
                form.cleaned_data["element"],
                by=user,
                passed=form.cleaned_data["passed"],
                on=form.cleaned_data["certified_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Examination recorded."))
            return redirect("team_playbook:person", pk=someone.pk)
    return _person_page(request, someone, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def rule(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not may_edit_playbook(user):
        raise PermissionDenied
    current = selectors.certification_rule()
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in services.RULE_FIELDS}
            try:
                services.update_rule(current, by=user, version=form.cleaned_data["version"], **changes)
            except ConflictError as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(form, error)
                status = 400
            else:
                messages.success(request, _("Certification rule saved."))
                return redirect("team_playbook:certifications")
        else:
            status = 400
    else:
        form = RuleForm.for_rule(current)
    return render(request, "team/playbook/rule.html", {"form": form}, status=status)
