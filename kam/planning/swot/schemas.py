"""API shapes for SWOT and TOWS."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, IdOrCode, InputSchema, Ref, user_ref
from kam.planning.swot.models import ITEM_TEXT_MAX, STRATEGY_TEXT_MAX, SwotChange
from kam.planning.swot.selectors import ItemRow, StrategyRow, Workspace

ItemKindChoice = Literal["S", "W", "O", "T"]
StrategyKindChoice = Literal["SO", "WO", "ST", "WT"]


class SwotItemOut(Schema):
    id: int
    kind: str = Field(..., description="S, W, O or T.")
    label: str = Field(..., description="S1, W2, …: the kind and the position in its list.")
    order: int
    text: str
    used_by: list[str] = Field(..., description="Labels of the strategies that use the item.")
    unused: bool
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")

    @staticmethod
    def from_row(row: ItemRow) -> dict[str, Any]:
        item = row.item
        return {
            "id": item.pk,
            "kind": item.kind,
            "label": row.label,
            "order": item.order,
            "text": item.text,
            "used_by": row.strategies,
            "unused": row.unused,
            "version": item.version,
        }


class SwotActionOut(Schema):
    activity: int
    owner: Ref
    start: dt.datetime
    status: str = Field(..., description="planned, done or cancelled: the activity's own status.")


class TowsStrategyOut(Schema):
    id: int
    kind: str = Field(..., description="SO, WO, ST or WT.")
    label: str
    text: str
    items: list[int] = Field(..., description="Ids of the items the strategy uses.")
    item_labels: list[str]
    action: SwotActionOut | None
    version: int

    @staticmethod
    def from_row(row: StrategyRow) -> dict[str, Any]:
        s = row.strategy
        activity = s.activity
        return {
            "id": s.pk,
            "kind": s.kind,
            "label": row.label,
            "text": s.text,
            "items": [r.item.pk for r in row.items],
            "item_labels": [r.label for r in row.items],
            "action": None
            if activity is None
            else {
                "activity": activity.pk,
                "owner": user_ref(activity.owner),
                "start": activity.start,
                "status": activity.status,
            },
            "version": s.version,
        }


class SwotChangeOut(Schema):
    action: str
    subject: str
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any]

    @staticmethod
    def from_change(c: SwotChange) -> dict[str, Any]:
        return {
            "action": c.action,
            "subject": c.subject_label,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "changes": c.changes,
        }


class TowsMatrixOut(Schema):
    SO: list[TowsStrategyOut]
    WO: list[TowsStrategyOut]
    ST: list[TowsStrategyOut]
    WT: list[TowsStrategyOut]


class SwotOut(Schema):
    id: int | None = Field(..., description="Null until the first item is added.")
    opportunity: Ref | None
    customer: Ref | None
    items: dict[str, list[SwotItemOut]] = Field(
        ..., description="The four lists by kind (S, W, O, T), in order."
    )
    tows: TowsMatrixOut
    unused: list[int] = Field(..., description="Ids of the items no strategy uses.")
    history: list[SwotChangeOut] = Field(..., description="Newest first, the last 30.")

    @staticmethod
    def build(ws: Workspace, *, opportunity: Any, customer: Any, history: list[SwotChange]) -> dict[str, Any]:
        return {
            "id": ws.swot.pk if ws.swot else None,
            "opportunity": None if opportunity is None else {"id": opportunity.pk, "name": opportunity.name},
            "customer": None if customer is None else {"id": customer.pk, "name": customer.name},
            "items": {kind: [SwotItemOut.from_row(r) for r in rows] for kind, rows in ws.items.items()},
            "tows": {
                kind: [TowsStrategyOut.from_row(r) for r in rows] for kind, rows in ws.strategies.items()
            },
            "unused": [r.item.pk for r in ws.unused],
            "history": [SwotChangeOut.from_change(c) for c in history],
        }


class SwotItemCreateIn(InputSchema):
    kind: ItemKindChoice
    text: str = Field(..., min_length=1, max_length=ITEM_TEXT_MAX)


class SwotItemUpdateIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=ITEM_TEXT_MAX)


class SwotItemMoveIn(InputSchema):
    position: int = Field(..., ge=1, le=10_000, description="The new position in its list, from 1.")


class TowsStrategyCreateIn(InputSchema):
    kind: StrategyKindChoice
    text: str = Field(..., min_length=1, max_length=STRATEGY_TEXT_MAX)
    items: list[Id] = Field(
        ..., max_length=200, description="At least one item from each of the kind's two sides."
    )


class TowsStrategyUpdateIn(InputSchema):
    """Only the fields sent change; `items` replaces the whole list."""

    kind: StrategyKindChoice | None = None
    text: str | None = Field(None, min_length=1, max_length=STRATEGY_TEXT_MAX)
    items: list[Id] | None = Field(None, max_length=200)


class SwotActionIn(InputSchema):
    owner: Id = Field(..., description="Who leads the activity: someone who sees the deal (or the customer).")
    due: dt.date
    kind: IdOrCode = Field("meeting", description="Activity kind id or code.")
