"""API shapes for implementation projects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.delivery.models import DeliveryChange, HandoverCheck, Project, WorkItem


class HandoverCheckOut(Schema):
    id: int
    item: str
    done: bool
    note: str
    checked_by: Ref | None
    checked_at: dt.datetime | None

    @staticmethod
    def build(check: HandoverCheck) -> dict[str, Any]:
        return {
            "id": check.pk,
            "item": check.item.text,
            "done": check.done,
            "note": check.note,
            "checked_by": user_ref(check.checked_by),
            "checked_at": check.checked_at,
        }


class WorkItemOut(Schema):
    id: int
    order: int
    name: str
    content: str
    target: str
    starts_on: dt.date
    ends_on: dt.date
    owner: Ref
    resources: str
    checkpoint: str
    is_milestone: bool
    instalment: int | None = Field(None, description="The instalment a milestone releases.")
    progress: int
    done_on: dt.date | None
    overdue: bool
    version: int

    @staticmethod
    def build(item: WorkItem, today: dt.date) -> dict[str, Any]:
        return {
            "id": item.pk,
            "order": item.order,
            "name": item.name,
            "content": item.content,
            "target": item.target,
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "owner": user_ref(item.owner),
            "resources": item.resources,
            "checkpoint": item.checkpoint,
            "is_milestone": item.is_milestone,
            "instalment": item.instalment_id,
            "progress": item.progress,
            "done_on": item.done_on,
            "overdue": item.done_on is None and item.progress < 100 and item.ends_on < today,
            "version": item.version,
        }


class ProjectChangeOut(Schema):
    record: str
    record_id: int
    action: str
    summary: str
    changes: dict[str, Any]
    changed_by: Ref | None
    changed_at: dt.datetime

    @staticmethod
    def build(change: DeliveryChange) -> dict[str, Any]:
        return {
            "record": change.record,
            "record_id": change.record_id,
            "action": change.action,
            "summary": change.summary,
            "changes": change.changes,
            "changed_by": user_ref(change.changed_by),
            "changed_at": change.changed_at,
        }


class ProjectSummaryOut(Schema):
    id: int
    contract: Ref
    customer: Ref
    manager: Ref
    status: str
    accepted_on: dt.date | None
    has_overdue: bool = False
    version: int

    @staticmethod
    def build(project: Project) -> dict[str, Any]:
        contract = project.contract
        return {
            "id": project.pk,
            "contract": {"id": contract.pk, "name": str(contract)},
            "customer": {"id": contract.customer_id, "name": contract.customer.name},
            "manager": user_ref(project.manager),
            "status": project.status,
            "accepted_on": project.accepted_on,
            "has_overdue": bool(getattr(project, "has_overdue", False)),
            "version": project.version,
        }


class GanttRowOut(Schema):
    id: int
    name: str
    start: str
    end: str
    milestone: bool
    progress: int
    done: bool
    overdue: bool
    owner: str


class GanttOut(Schema):
    today: str
    start: str
    end: str
    rows: list[GanttRowOut]


class ProjectOut(ProjectSummaryOut):
    handed_over_at: dt.datetime | None
    handed_over_by: Ref | None
    closing_notes: str
    handover: list[HandoverCheckOut]
    work_items: list[WorkItemOut]
    gantt: GanttOut
    history: list[ProjectChangeOut]


class ProjectListOut(Schema):
    count: int
    results: list[ProjectSummaryOut]


class ProjectOpenIn(InputSchema):
    manager: Id


class ProjectUpdateIn(InputSchema):
    manager: Id


class HandoverCheckIn(InputSchema):
    done: bool
    note: str = Field("", max_length=300)


class ProjectCloseIn(InputSchema):
    accepted_on: dt.date | None = None
    notes: str = Field("", max_length=4000)


class WorkItemIn(InputSchema):
    name: str = Field(..., max_length=200)
    content: str = Field("", max_length=4000)
    target: str = Field("", max_length=300)
    starts_on: dt.date
    ends_on: dt.date
    owner: Id
    resources: str = Field("", max_length=300)
    checkpoint: str = Field("", max_length=300)
    is_milestone: bool = False
    instalment: Id | None = None
    progress: int = Field(0, ge=0, le=100)
    order: int | None = Field(None, ge=0, le=32767)


class WorkItemUpdateIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    content: str | None = Field(None, max_length=4000)
    target: str | None = Field(None, max_length=300)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    owner: Id | None = None
    resources: str | None = Field(None, max_length=300)
    checkpoint: str | None = Field(None, max_length=300)
    is_milestone: bool | None = None
    instalment: Id | None = None
    progress: int | None = Field(None, ge=0, le=100)
    order: int | None = Field(None, ge=0, le=32767)


class MilestoneAcceptIn(InputSchema):
    done_on: dt.date | None = None
