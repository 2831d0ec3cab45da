"""The workbench over JSON: the same tiles and to-dos the page shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class WorkbenchTileOut(Schema):
    key: str
    title: str
    # The page behind the figure, with its filters (a path on this site).
    url: str
    count: int
    amount: Decimal | None = None
    weighted: Decimal | None = None
    target: Decimal | None = None
    attainment_percent: int | None = None
    # What the tile says when its figure is zero.
    empty_text: str


class WorkbenchNextStepOut(Schema):
    activity_id: int
    text: str
    due: dt.date
    overdue: bool
    customer_name: str
    opportunity_id: int | None = None
    opportunity_name: str | None = None
    url: str


class WorkbenchApprovalOut(Schema):
    id: int
    title: str
    requested_by: str
    submitted_at: dt.datetime | None = None
    url: str


class WorkbenchOut(Schema):
    view: str
    today: dt.date
    quarter: str
    is_new: bool
    tiles: list[WorkbenchTileOut]
    next_steps: list[WorkbenchNextStepOut]
    approvals: list[WorkbenchApprovalOut]
