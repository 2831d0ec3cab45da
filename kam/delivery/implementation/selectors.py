"""Reads for implementation projects: one project with its checklist, plan and history, the Gantt's
data, the list across contracts the reader sees (overdue rows flagged)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import contracts_for
from kam.delivery.models import DeliveryChange, HandoverCheck, Project, ProjectStatus, WorkItem
from kam.org.models import User

PROJECT_RECORDS = ("project", "handover_check", "work_item")


def projects_for(user: User) -> QuerySet[Project]:
    """Projects of the contracts the reader sees."""
    return Project.objects.filter(contract__in=contracts_for(user))


def get_visible_project(user: User, pk: Any) -> Project:
    project = (
        projects_for(user)
        .select_related("contract", "contract__customer", "manager", "handed_over_by")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def get_visible_work_item(user: User, pk: Any) -> WorkItem:
    item = (
        WorkItem.objects.filter(project__in=projects_for(user))
        .select_related("project", "project__contract", "owner", "instalment")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_visible_check(user: User, pk: Any) -> HandoverCheck:
    check = (
        HandoverCheck.objects.filter(project__in=projects_for(user))
        .select_related("project", "project__contract", "item", "checked_by")
        .filter(pk=pk)
        .first()
    )
    if check is None:
        raise Http404
    return check


def project_of_contract(contract_id: int) -> Project | None:
    return Project.objects.select_related("manager").filter(contract_id=contract_id).first()


def checklist(project: Project) -> list[HandoverCheck]:
    return list(project.handover_checks.select_related("item", "checked_by"))


def work_items(project: Project) -> list[WorkItem]:
    return list(project.work_items.select_related("owner", "instalment").order_by("starts_on", "order", "id"))


def is_overdue(item: WorkItem, today: dt.date) -> bool:
    return item.done_on is None and item.progress < 100 and item.ends_on < today


def history(project: Project, limit: int = 50) -> list[DeliveryChange]:
    """The project's lines (a contract has one project, so its rows' and checklist's lines are the
    contract's lines of those records)."""
    return list(
        DeliveryChange.objects.filter(contract_id=project.contract_id, record__in=PROJECT_RECORDS)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )


def gantt(items: list[WorkItem], today: dt.date | None = None) -> dict[str, Any]:
    """The plan as the Gantt draws it: one bar per row from start to end (milestones as a point on
    their end), and today's line."""
    today = today or timezone.localdate()
    rows = [
        {
            "id": item.pk,
            "name": item.name,
            "start": item.starts_on.isoformat(),
            "end": item.ends_on.isoformat(),
            "milestone": item.is_milestone,
            "progress": item.progress,
            "done": item.done_on is not None,
            "overdue": is_overdue(item, today),
            "owner": item.owner.name or item.owner.username,
        }
        for item in items
    ]
    return {
        "today": today.isoformat(),
        "start": min((i.starts_on for i in items), default=today).isoformat(),
        "end": max((i.ends_on for i in items), default=today).isoformat(),
        "rows": rows,
    }


# Sort keys offered on the projects list; anything else falls back to the newest first.
PROJECT_SORTS: dict[str, tuple[str, ...]] = {
    "contract": ("contract__number", "id"),
    "customer": ("contract__customer__name", "id"),
    "manager": ("manager__name", "manager__username", "id"),
    "status": ("status", "id"),
    "accepted_on": ("accepted_on", "id"),
    "created": ("created_at", "id"),
}
DEFAULT_PROJECT_SORT = "-created"


@dataclass
class ProjectFilters:
    status: str = ""
    manager: int | None = None
    customer: int | None = None
    overdue: bool = False
    sort: str = DEFAULT_PROJECT_SORT


def sorted_by(
    qs: QuerySet, sort: str, sorts: dict[str, tuple[str, ...]], default: str
) -> tuple[QuerySet, str]:
    """`sort` is a key of `sorts`, "-" in front for descending; empty values come last either way."""
    key = sort.lstrip("-")
    if key not in sorts or sort.count("-") > 1:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    ordering = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in sorts[key]
    ]
    return qs.order_by(*ordering), sort


def project_list(user: User, filters: ProjectFilters) -> QuerySet[Project]:
    """Projects the reader sees, with `has_overdue` (a row past its end and not done)."""
    today = timezone.localdate()
    overdue_rows = WorkItem.objects.filter(
        project=OuterRef("pk"), done_on__isnull=True, progress__lt=100, ends_on__lt=today
    )
    qs = (
        projects_for(user)
        .select_related("contract", "contract__customer", "manager")
        .annotate(has_overdue=Exists(overdue_rows))
    )
    if filters.status in ProjectStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.manager:
        qs = qs.filter(manager_id=filters.manager)
    if filters.customer:
        qs = qs.filter(contract__customer_id=filters.customer)
    if filters.overdue:
        qs = qs.filter(has_overdue=True)
    qs, filters.sort = sorted_by(qs, filters.sort, PROJECT_SORTS, DEFAULT_PROJECT_SORT)
    return qs


def state(project: Project | None) -> str:
    """A short summary for the contract's panel."""
    if project is None:
        return _("No project yet")
    return project.get_status_display()
