"""API shapes for a plan's OGSM cascade."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.planning.accountplans.models import PlanAction, PlanGoal, PlanMeasure, PlanObjective, PlanStrategy
from kam.planning.accountplans.ogsm import selectors
from kam.planning.accountplans.ogsm.services import MEASURE_TARGET_MAX, TEXT_MAX

MetricChoice = Literal[
    "manual",
    "won_revenue",
    "share_of_wallet",
    "weighted_pipeline",
    "key_people_coverage",
    "visits",
    "satisfaction",
]
ActionStatusChoice = Literal["open", "done", "cancelled"]
Amount = Decimal
VERSION = "Optimistic-lock version; send it back in If-Match to write."


class OgsmActionOut(Schema):
    id: int
    text: str
    owner: Ref
    due_date: dt.date
    status: str = Field(..., description="open, done or cancelled; done once the linked activity is done.")
    stored_status: str = Field(..., description="The action's own status, as last set on it.")
    overdue: bool
    activity: int | None = Field(None, description="The planned activity carrying the action out.")
    version: int = Field(..., description=VERSION)

    @staticmethod
    def build(action: PlanAction, today: dt.date) -> dict[str, Any]:
        return {
            "id": action.pk,
            "text": action.text,
            "owner": user_ref(action.owner),
            "due_date": action.due_date,
            "status": selectors.action_status(action),
            "stored_status": action.status,
            "overdue": selectors.is_overdue(action, today),
            "activity": action.activity_id,
            "version": action.version,
        }


class OgsmMeasureOut(Schema):
    id: int
    text: str
    target: str = Field(..., description="How progress is measured, in words.")
    order: int
    version: int = Field(..., description=VERSION)
    actions: list[OgsmActionOut]

    @staticmethod
    def build(measure: PlanMeasure, today: dt.date) -> dict[str, Any]:
        return {
            "id": measure.pk,
            "text": measure.text,
            "target": measure.target,
            "order": measure.order,
            "version": measure.version,
            "actions": [OgsmActionOut.build(a, today) for a in measure.actions.all()],
        }


class OgsmStrategyOut(Schema):
    id: int
    text: str
    order: int
    version: int = Field(..., description=VERSION)
    measures: list[OgsmMeasureOut]

    @staticmethod
    def build(strategy: PlanStrategy, today: dt.date) -> dict[str, Any]:
        return {
            "id": strategy.pk,
            "text": strategy.text,
            "order": strategy.order,
            "version": strategy.version,
            "measures": [OgsmMeasureOut.build(m, today) for m in strategy.measures.all()],
        }


class OgsmGoalOut(Schema):
    id: int
    text: str
    metric: str
    target: Amount
    manual_actual: Amount | None
    actual: Amount | None = Field(
        ..., description="Read from kam's data for the metric; null: nothing to measure."
    )
    source: str = Field(..., description="Where the actual comes from, in words.")
    status: str = Field(..., description="achieved, on_track, off_track or no_data.")
    progress: int | None = Field(..., description="Actual as a percentage of the target, at most 100.")
    due_date: dt.date | None
    order: int
    version: int = Field(..., description=VERSION)
    strategies: list[OgsmStrategyOut]

    @staticmethod
    def build(goal: PlanGoal, row: selectors.GoalRow | None, today: dt.date) -> dict[str, Any]:
        return {
            "id": goal.pk,
            "text": goal.text,
            "metric": goal.metric,
            "target": goal.target,
            "manual_actual": goal.manual_actual,
            "actual": row.actual if row else None,
            "source": row.source if row else "",
            "status": row.status if row else selectors.GoalStatus.NO_DATA,
            "progress": row.progress if row else None,
            "due_date": goal.due_date,
            "order": goal.order,
            "version": goal.version,
            "strategies": [OgsmStrategyOut.build(s, today) for s in goal.strategies.all()],
        }


class OgsmObjectiveOut(Schema):
    id: int
    text: str
    order: int
    version: int = Field(..., description=VERSION)
    goals: list[OgsmGoalOut]

    @staticmethod
    def build(objective: PlanObjective, cascade: selectors.Cascade) -> dict[str, Any]:
        return {
            "id": objective.pk,
            "text": objective.text,
            "order": objective.order,
            "version": objective.version,
            "goals": [
                OgsmGoalOut.build(g, cascade.goals.get(g.pk), cascade.today) for g in objective.goals.all()
            ],
        }


class OgsmOut(Schema):
    plan: int
    customer: Ref
    year: int
    status: str
    editable: bool = Field(..., description="Whether the cascade may change (the plan is a draft or active).")
    goals: int
    off_track: int
    objectives: list[OgsmObjectiveOut]

    @staticmethod
    def build(cascade: selectors.Cascade, editable: bool) -> dict[str, Any]:
        plan = cascade.plan
        return {
            "plan": plan.pk,
            "customer": {"id": plan.customer_id, "name": plan.customer.name},
            "year": plan.year,
            "status": plan.status,
            "editable": editable,
            "goals": cascade.goal_count,
            "off_track": cascade.off_track,
            "objectives": [OgsmObjectiveOut.build(o, cascade) for o in cascade.objectives],
        }


class OgsmRecordOut(Schema):
    """A record just written: its level, id and version (the ETag too); GET the cascade for the rest."""

    level: str
    id: int
    text: str
    version: int


Text = Field(..., min_length=1, max_length=TEXT_MAX)


class OgsmObjectiveIn(InputSchema):
    text: str = Text


class OgsmObjectivePatch(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=TEXT_MAX)


class OgsmGoalIn(InputSchema):
    text: str = Text
    metric: MetricChoice = "manual"
    target: Amount = Field(..., ge=0, max_digits=16, decimal_places=2)
    manual_actual: Amount | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    due_date: dt.date | None = None


class OgsmGoalPatch(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    metric: MetricChoice | None = None
    target: Amount | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    manual_actual: Amount | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    due_date: dt.date | None = None


class OgsmStrategyIn(InputSchema):
    text: str = Text


class OgsmMeasureIn(InputSchema):
    text: str = Text
    target: str = Field("", max_length=MEASURE_TARGET_MAX)


class OgsmMeasurePatch(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    target: str | None = Field(None, max_length=MEASURE_TARGET_MAX)


class OgsmActionIn(InputSchema):
    text: str = Text
    owner: Id = Field(..., description="Someone who may see the plan's customer.")
    due_date: dt.date


class OgsmActionPatch(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=TEXT_MAX)
    owner: Id | None = None
    due_date: dt.date | None = None


class OgsmMoveIn(InputSchema):
    position: int = Field(..., ge=1, le=10_000, description="The new position among its siblings, from 1.")


class OgsmActionStatusIn(InputSchema):
    status: ActionStatusChoice


class OgsmActionActivityIn(InputSchema):
    kind: str | None = Field(None, max_length=40, description="Activity kind code; a visit by default.")
