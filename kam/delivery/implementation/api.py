"""Implementation projects over JSON: the list (filters, overdue flag), a project with its hand-over
checklist, plan, Gantt data and history; every write through the same services as the pages
(updates need If-Match: 428 without, 412 stale)."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kam.access.visibility import get_visible_contract
from kam.core.api.helpers import (
    DEFAULT_LIMIT,
    LIST_ERRORS,
    MAX_LIMIT,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    Id,
    Offset,
    RuleViolationOut,
    expected_version,
    paginate,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.delivery.implementation import selectors, services
from kam.delivery.implementation.schemas import (
    GanttOut,
    HandoverCheckIn,
    HandoverCheckOut,
    MilestoneAcceptIn,
    ProjectChangeOut,
    ProjectCloseIn,
    ProjectListOut,
    ProjectOpenIn,
    ProjectOut,
    ProjectSummaryOut,
    ProjectUpdateIn,
    WorkItemIn,
    WorkItemOut,
    WorkItemUpdateIn,
)
from kam.delivery.models import Instalment, Project
from kam.org.models import User

router = Router(tags=["Delivery: implementation"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: RuleViolationOut}


class ProjectQuery(Schema):
    status: Literal["", "handover", "in_progress", "accepted"] = ""
    manager: Id | None = None
    customer: Id | None = None
    overdue: bool = False
    sort: str = Field(
        "",
        max_length=30,
        description="contract, customer, manager, status, accepted_on or created; - for descending.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Offset = 0


def _person(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: [_("Unknown user.")]})
    return user


def _instalment(project: Project, pk: int | None) -> Instalment | None:
    if pk is None:
        return None
    found = Instalment.objects.filter(pk=pk, contract_id=project.contract_id).first()
    if found is None:
        raise ValidationError({"instalment": [_("Choose an instalment of this project's contract.")]})
    return found


def _project_body(user: User, project_id: int, response: HttpResponse | None = None) -> dict[str, Any]:
    project = selectors.get_visible_project(user, project_id)
    today = timezone.localdate()
    items = selectors.work_items(project)
    body = ProjectSummaryOut.build(project)
    body["has_overdue"] = any(selectors.is_overdue(i, today) for i in items)
    body.update(
        handed_over_at=project.handed_over_at,
        handed_over_by={"id": project.handed_over_by.pk, "name": str(project.handed_over_by)}
        if project.handed_over_by
        else None,
        closing_notes=project.closing_notes,
        handover=[HandoverCheckOut.build(c) for c in selectors.checklist(project)],
        work_items=[WorkItemOut.build(i, today) for i in items],
        gantt=selectors.gantt(items, today),
        history=[ProjectChangeOut.build(c) for c in selectors.history(project)],
    )
    if response is not None:
        set_etag(response, project.version)
    return body


def _item_body(user: User, item_id: int, response: HttpResponse) -> dict[str, Any]:
    item = selectors.get_visible_work_item(user, item_id)
    set_etag(response, item.version)
    return WorkItemOut.build(item, timezone.localdate())


# Projects ----------------------------------------------------------------------------------------


@router.get("/projects", response={200: ProjectListOut, **LIST_ERRORS})
def list_projects(request: HttpRequest, filters: Query[ProjectQuery]) -> dict[str, Any]:
    """Projects of the contracts the reader sees; `has_overdue` flags a row past its end and not done."""
    qs = selectors.project_list(
        current_user(request),
        selectors.ProjectFilters(
            status=filters.status,
            manager=filters.manager,
            customer=filters.customer,
            overdue=filters.overdue,
            sort=filters.sort or selectors.DEFAULT_PROJECT_SORT,
        ),
    )
    return {
        "count": qs.count(),
        "results": [ProjectSummaryOut.build(p) for p in paginate(qs, filters.limit, filters.offset)],
    }


@router.get("/projects/{int:project_id}", response={200: ProjectOut, **READ_ERRORS})
def get_project(request: HttpRequest, response: HttpResponse, project_id: int) -> dict[str, Any]:
    return _project_body(current_user(request), project_id, response)


@router.get("/projects/{int:project_id}/gantt", response={200: GanttOut, **READ_ERRORS})
def project_gantt(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """The plan as the Gantt draws it: bars from start to end, milestones, today."""
    project = selectors.get_visible_project(current_user(request), project_id)
    return selectors.gantt(selectors.work_items(project))


@router.get("/contracts/{int:contract_id}/project", response={200: ProjectOut, **READ_ERRORS})
def contract_project(request: HttpRequest, response: HttpResponse, contract_id: int) -> dict[str, Any]:
    user = current_user(request)
    contract = get_visible_contract(user, contract_id)
    project = selectors.project_of_contract(contract.pk)
    if project is None:
        raise Http404
    return _project_body(user, project.pk, response)


@router.post("/contracts/{int:contract_id}/project", response={201: ProjectOut, **CREATE_ERRORS})
def open_project(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: ProjectOpenIn
) -> Status:
    """Open the implementation of a signed contract (409 if not signed or already open)."""
    user = current_user(request)
    contract = get_visible_contract(user, contract_id)
    project = services.open_project(contract, by=user, manager=_person(payload.manager, "manager"))
    return Status(201, _project_body(user, project.pk, response))


@router.patch("/projects/{int:project_id}", response={200: ProjectOut, **VERSIONED_WRITE_ERRORS})
def update_project(
    request: HttpRequest, response: HttpResponse, project_id: int, payload: ProjectUpdateIn
) -> dict[str, Any]:
    """Change the project manager. Needs If-Match."""
    user = current_user(request)
    project = selectors.get_visible_project(user, project_id)
    version = expected_version(request, project.version)
    services.set_manager(project, by=user, version=version, manager=_person(payload.manager, "manager"))
    return _project_body(user, project.pk, response)


@router.put(
    "/projects/{int:project_id}/handover/{int:check_id}",
    response={200: HandoverCheckOut, **VERSIONED_WRITE_ERRORS},
)
def tick_handover(request: HttpRequest, project_id: int, check_id: int, payload: HandoverCheckIn) -> Any:
    """Tick or untick one hand-over item, with a note. Needs If-Match with the project's version."""
    user = current_user(request)
    project = selectors.get_visible_project(user, project_id)
    expected_version(request, project.version)
    check = selectors.get_visible_check(user, check_id)
    if check.project_id != project.pk:
        raise Http404
    services.check_handover(check, by=user, done=payload.done, note=payload.note)
    return HandoverCheckOut.build(selectors.get_visible_check(user, check_id))


@router.post(
    "/projects/{int:project_id}/handover/complete", response={200: ProjectOut, **VERSIONED_WRITE_ERRORS}
)
def complete_handover(request: HttpRequest, response: HttpResponse, project_id: int) -> dict[str, Any]:
    """Every item done: the project is in progress (409 naming what is missing). Needs If-Match."""
    user = current_user(request)
    project = selectors.get_visible_project(user, project_id)
    version = expected_version(request, project.version)
    services.complete_handover(project, by=user, version=version)
    return _project_body(user, project.pk, response)


@router.post("/projects/{int:project_id}/close", response={200: ProjectOut, **VERSIONED_WRITE_ERRORS})
def close_project(
    request: HttpRequest, response: HttpResponse, project_id: int, payload: ProjectCloseIn
) -> dict[str, Any]:
    """验收结项: the acceptance date, every milestone accepted. Needs If-Match."""
    user = current_user(request)
    project = selectors.get_visible_project(user, project_id)
    version = expected_version(request, project.version)
    services.close_project(
        project, by=user, version=version, accepted_on=payload.accepted_on, notes=payload.notes
    )
    return _project_body(user, project.pk, response)


@router.get("/projects/{int:project_id}/history", response={200: list[ProjectChangeOut], **READ_ERRORS})
def project_history(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    project = selectors.get_visible_project(current_user(request), project_id)
    return [ProjectChangeOut.build(c) for c in selectors.history(project, limit=500)]


# Work items --------------------------------------------------------------------------------------


@router.post("/projects/{int:project_id}/work-items", response={201: WorkItemOut, **CREATE_ERRORS})
def add_work_item(
    request: HttpRequest, response: HttpResponse, project_id: int, payload: WorkItemIn
) -> Status:
    user = current_user(request)
    project = selectors.get_visible_project(user, project_id)
    values = payload.model_dump()
    values["owner"] = _person(values["owner"], "owner")
    values["instalment"] = _instalment(project, values["instalment"])
    item = services.add_work_item(project, by=user, **values)
    return Status(201, _item_body(user, item.pk, response))


@router.patch("/work-items/{int:item_id}", response={200: WorkItemOut, **VERSIONED_WRITE_ERRORS})
def update_work_item(
    request: HttpRequest, response: HttpResponse, item_id: int, payload: WorkItemUpdateIn
) -> dict[str, Any]:
    """Change any of the row's fields (send only those). Needs If-Match."""
    user = current_user(request)
    item = selectors.get_visible_work_item(user, item_id)
    version = expected_version(request, item.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "starts_on", "ends_on", "owner", "progress", "is_milestone", "order"))
    if "owner" in changes:
        changes["owner"] = _person(changes["owner"], "owner")
    if "instalment" in changes:
        changes["instalment"] = _instalment(item.project, changes["instalment"])
    for name in ("content", "target", "resources", "checkpoint"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    services.update_work_item(item, by=user, version=version, **changes)
    return _item_body(user, item.pk, response)


@router.delete("/work-items/{int:item_id}", response={204: None, **VERSIONED_WRITE_ERRORS})
def remove_work_item(request: HttpRequest, item_id: int) -> Status:
    user = current_user(request)
    item = selectors.get_visible_work_item(user, item_id)
    version = expected_version(request, item.version)
    services.remove_work_item(item, by=user, version=version)
    return Status(204, None)


@router.post("/work-items/{int:item_id}/accept", response={200: WorkItemOut, **VERSIONED_WRITE_ERRORS})
def accept_milestone(
    request: HttpRequest, response: HttpResponse, item_id: int, payload: MilestoneAcceptIn
) -> dict[str, Any]:
    """A milestone accepted on `done_on` (100 %). Needs If-Match with the row's version."""
    user = current_user(request)
    item = selectors.get_visible_work_item(user, item_id)
    version = expected_version(request, item.version)
    services.accept_milestone(item, by=user, version=version, done_on=payload.done_on)
    return _item_body(user, item.pk, response)
