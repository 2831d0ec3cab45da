"""Service requests over JSON: what a request, its SLA state, its history and the attainment
report look like, and what a client sends."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.delivery.models import DeliveryChange, ServiceRequest
from kam.delivery.service.selectors import AttainmentRow, SlaState
from kam.delivery.service.services import SUBJECT_MAX, TEXT_MAX

PriorityChoice = Literal["urgent", "high", "normal", "low"]
StatusChoice = Literal["new", "acknowledged", "in_progress", "waiting", "resolved", "closed"]
StatusFilter = Literal["open", "new", "acknowledged", "in_progress", "waiting", "resolved", "closed"]
SortChoice = Literal[
    "number", "-number", "opened", "-opened", "customer", "-customer", "priority", "-priority",
    "status", "-status", "owner", "-owner", "due", "-due",
]  # fmt: skip


class SlaOut(Schema):
    level: str = Field(
        ..., description="ok, risk (warned), breach (open and past due), met or missed (finished)."
    )
    label: str
    target: str = Field(
        ..., description="The pending target (first response or resolution); empty once finished."
    )
    due_at: dt.datetime | None
    seconds_left: int | None = Field(None, description="Negative when overdue.")
    response_met: bool | None
    resolution_met: bool | None

    @staticmethod
    def build(state: SlaState) -> dict[str, Any]:
        return dict(state.__dict__)


class ServiceRequestOut(Schema):
    id: int
    number: str
    customer: Ref
    contact: Ref | None
    contract: Ref | None
    kind: Ref
    priority: str
    subject: str
    description: str
    owner: Ref
    status: str
    opened_at: dt.datetime
    response_due_at: dt.datetime
    resolution_due_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str
    warned_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalated_to: Ref | None
    sla: SlaOut
    next_statuses: list[str]
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")

    @staticmethod
    def build(sr: ServiceRequest, state: SlaState, next_statuses: list[str]) -> dict[str, Any]:
        return {
            "id": sr.pk,
            "number": sr.number,
            "customer": {"id": sr.customer_id, "name": sr.customer.name},
            "contact": ref(sr.contact),
            "contract": {"id": sr.contract.pk, "name": sr.contract.number} if sr.contract else None,
            "kind": {"id": sr.kind_id, "name": sr.kind.name},
            "priority": sr.priority,
            "subject": sr.subject,
            "description": sr.description,
            "owner": user_ref(sr.owner),
            "status": sr.status,
            "opened_at": sr.opened_at,
            "response_due_at": sr.response_due_at,
            "resolution_due_at": sr.resolution_due_at,
            "first_response_at": sr.first_response_at,
            "resolved_at": sr.resolved_at,
            "closed_at": sr.closed_at,
            "resolution": sr.resolution,
            "warned_at": sr.warned_at,
            "escalated_at": sr.escalated_at,
            "escalated_to": user_ref(sr.escalated_to),
            "sla": SlaOut.build(state),
            "next_statuses": next_statuses,
            "version": sr.version,
        }


class ServiceRequestListOut(Schema):
    items: list[ServiceRequestOut]
    count: int


class ServiceChangeOut(Schema):
    at: dt.datetime
    by: Ref | None
    action: str
    summary: str
    changes: dict[str, Any]

    @staticmethod
    def build(change: DeliveryChange) -> dict[str, Any]:
        return {
            "at": change.changed_at,
            "by": user_ref(change.changed_by),
            "action": change.action,
            "summary": change.summary,
            "changes": change.changes,
        }


class AtRiskOut(Schema):
    count: int
    items: list[ServiceRequestOut]


class AttainmentRowOut(Schema):
    team_id: int | None
    team: str
    resolved: int
    response_met: int
    resolution_met: int
    breaches: int
    response_percent: float | None
    resolution_percent: float | None
    mean_response_hours: float | None
    mean_resolution_hours: float | None

    @staticmethod
    def build(row: AttainmentRow) -> dict[str, Any]:
        return {
            "team_id": row.team_id,
            "team": row.team,
            "resolved": row.resolved,
            "response_met": row.response_met,
            "resolution_met": row.resolution_met,
            "breaches": row.breaches,
            "response_percent": row.response_percent,
            "resolution_percent": row.resolution_percent,
            "mean_response_hours": row.mean_response_hours,
            "mean_resolution_hours": row.mean_resolution_hours,
        }


class AttainmentOut(Schema):
    month: str
    teams: list[AttainmentRowOut]
    total: AttainmentRowOut


class KindOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class SlaTargetOut(Schema):
    tier: str
    priority: str
    response_hours: int
    resolution_hours: int
    warn_percent: int


class FiltersIn(TextSafeSchema):
    status: StatusFilter | None = Field(None, description="A status, or `open` for any open one.")
    priority: PriorityChoice | None = None
    owner: Id | None = None
    customer: Id | None = None
    sla: Literal["breached", "at_risk", "escalated"] | None = None
    mine: bool = Field(False, description="Only requests you own or that were escalated to you.")
    q: str = Field("", max_length=100, description="Part of the number or the subject.")
    sort: SortChoice = "-opened"
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class RequestCreateIn(InputSchema):
    customer: Id = Field(..., description="Id of a customer you can see.")
    kind: str = Field(..., min_length=1, max_length=30, description="Kind code (e.g. `fault`) or id.")
    priority: PriorityChoice = "normal"
    subject: str = Field(..., min_length=1, max_length=SUBJECT_MAX)
    description: str = Field("", max_length=TEXT_MAX)
    contact: Id | None = Field(None, description="A contact of the customer.")
    contract: Id | None = Field(None, description="A contract of the customer.")
    owner: Id | None = Field(None, description="Who handles it; the customer's owner when left out.")


class RequestUpdateIn(InputSchema):
    kind: str | None = Field(None, min_length=1, max_length=30)
    priority: PriorityChoice | None = Field(None, description="A new priority recomputes the SLA due times.")
    subject: str | None = Field(None, min_length=1, max_length=SUBJECT_MAX)
    description: str | None = Field(None, max_length=TEXT_MAX)
    contact: Id | None = None
    contract: Id | None = None


class MoveIn(InputSchema):
    status: StatusChoice
    resolution: str = Field("", max_length=TEXT_MAX, description="Required to resolve.")


class ReassignIn(InputSchema):
    owner: Id
