"""API shapes for sales processes, stages and opportunities. Money is Decimal, written as a string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import (
    CURSOR_MAX,
    Id,
    IdOrCode,
    InputSchema,
    Offset,
    Ref,
    TextSafeSchema,
    ref,
    user_ref,
)
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from kam.core.money import MONEY_DIGITS
from kam.opportunities.models import CloseReason, Opportunity, SalesProcess, Stage, StageChange
from kam.relationships.scoring import LookAhead

Money = Decimal
CENT = Decimal("0.01")
StatusFilter = Literal["open", "won", "lost", "dropped", "all"]
CloseStatus = Literal["won", "lost", "dropped"]
Precision = Literal["day", "month", "quarter"]


class ExitCriterionOut(Schema):
    id: int
    order: int
    text: str = Field(..., description="The work the stage requires (Chinese).")
    text_en: str = Field(..., description="The same in English (may be empty).")


class StageOut(Schema):
    id: int
    process: str = Field(..., description="Code of the sales process the stage belongs to.")
    order: int = Field(..., description="Position in the process; a higher order is a later stage.")
    code: str = Field(..., description="Short code, e.g. `P3`.")
    name: str
    name_en: str
    probability: int = Field(..., description="Win probability in percent; the weighted forecast uses it.")
    key_node: str = Field(
        ..., description="The measurable gate that completes this stage; moving into it needs it confirmed."
    )
    key_node_en: str
    exit_criteria: list[ExitCriterionOut] = Field(
        ..., description="Checklist of work before the stage is left."
    )
    requires_exact_amount: bool = Field(
        ..., description="From this stage on a single amount is required, not a range."
    )
    requires_exact_date: bool = Field(..., description="From this stage on the sign date must be a day.")
    blocks_on_open_criteria: bool = Field(
        ..., description="Leaving forward is refused while exit criteria are open."
    )
    is_won: bool
    is_lost: bool

    @staticmethod
    def from_stage(stage: Stage) -> dict[str, Any]:
        return {
            "id": stage.pk,
            "process": stage.process.code,
            "order": stage.order,
            "code": stage.code,
            "name": stage.name,
            "name_en": stage.name_en,
            "probability": stage.probability,
            "key_node": stage.key_node,
            "key_node_en": stage.key_node_en,
            "exit_criteria": [
                {"id": c.pk, "order": c.order, "text": c.text, "text_en": c.text_en}
                for c in stage.exit_criteria.all()
            ],
            "requires_exact_amount": stage.requires_exact_amount,
            "requires_exact_date": stage.requires_exact_date,
            "blocks_on_open_criteria": stage.blocks_on_open_criteria,
            "is_won": stage.is_won,
            "is_lost": stage.is_lost,
        }


class ProcessOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    is_default: bool = Field(..., description="New opportunities use this process unless told otherwise.")
    stages: list[StageOut]

    @staticmethod
    def from_process(process: SalesProcess) -> dict[str, Any]:
        return {
            "id": process.pk,
            "code": process.code,
            "name": process.name,
            "name_en": process.name_en,
            "is_default": process.is_default,
            "stages": [StageOut.from_stage(s) for s in process.stages.all()],
        }


class StageRef(Schema):
    id: int
    code: str
    name: str = Field(..., description="In the request's language.")
    probability: int


class KeyContactOut(Schema):
    contact_id: int
    name: str
    title: str
    decision_role: str = Field(
        ..., description="decision_maker, technical_approver, business_approver, influencer, user or coach."
    )
    stance: str = Field(..., description="A support, B neutral, C oppose.")
    company_level: int | None = Field(
        None,
        description="The highest relationship level (1–5 for CR1–CR5) any of our people holds with the contact.",
    )


def stage_ref(stage: Stage) -> dict[str, Any]:
    return {"id": stage.pk, "code": stage.code, "name": stage.display_name, "probability": stage.probability}


def weighted(opportunity: Opportunity) -> Decimal | None:
    expected = opportunity.expected_amount
    if expected is None:
        return None
    return (expected * opportunity.stage.probability / Decimal(100)).quantize(CENT)


class HealthFlagOut(Schema):
    code: str = Field(..., description="The health rule's code, e.g. `sign_date_passed`.")
    name: str = Field(..., description="The rule's name in the request's language.")
    severity: str = Field(..., description="info, warn or critical.")
    explanation: str = Field(
        ...,
        description="One line with the facts, e.g. `sign date 2026-12-01 is 9 days away but stage is P3`.",
    )


class OpportunityOut(Schema):
    id: int
    project_number: str = Field(..., description="Generated document number, e.g. `XM-2026-0001`.")
    name: str
    customer: Ref
    owner: Ref
    stage: StageRef
    status: str = Field(..., description="open, won, lost or dropped.")
    amount: Money | None = Field(None, description="The single expected amount in yuan (a decimal string).")
    amount_low: Money | None = Field(None, description="Low end of the amount range, early stages only.")
    amount_high: Money | None = Field(None, description="High end of the amount range.")
    expected_amount: Money | None = Field(None, description="The amount, else the middle of the range.")
    weighted_amount: Money | None = Field(None, description="Expected amount × stage probability.")
    sign_date: dt.date | None = Field(
        None, description="Expected sign date (last day of the month or quarter if less precise)."
    )
    sign_date_precision: str = Field(..., description="day, month or quarter.")
    sign_date_display: str = Field(
        ..., description="The sign date as users read it: `2027-03-31`, `2027-03` or `2027 Q1`."
    )
    missing_elements: list[str] = Field(
        ..., description="Which of the four elements are missing (name, amount, sign_date)."
    )
    key_contacts: list[KeyContactOut] = Field(
        ..., description="The decision chain, with stances and relationship levels."
    )
    relationship_score: int | None = Field(
        None,
        description="0–100: the share of the stage's relationship requirements the decision chain meets.",
    )
    relationship_gaps: list[str] = Field(
        default_factory=list,
        description="Each unmet requirement in words, e.g. `P4 · Decision maker Wang at CR1 (needs CR3)`.",
    )
    flags: list[HealthFlagOut] = Field(
        default_factory=list, description="Health flags of an open opportunity, worst first."
    )
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")
    updated_at: dt.datetime

    @staticmethod
    def from_opportunity(o: Opportunity) -> dict[str, Any]:
        roles = getattr(o, "api_key_contacts", None)
        if roles is None:
            roles = []
        relationship = getattr(o, "relationship", None)
        return {
            "id": o.pk,
            "project_number": o.project_number,
            "name": o.name,
            "customer": ref(o.customer),
            "owner": user_ref(o.owner),
            "stage": stage_ref(o.stage),
            "status": o.status,
            "amount": o.amount,
            "amount_low": o.amount_low,
            "amount_high": o.amount_high,
            "expected_amount": o.expected_amount.quantize(CENT) if o.expected_amount is not None else None,
            "weighted_amount": weighted(o),
            "sign_date": o.sign_date,
            "sign_date_precision": o.sign_date_precision,
            "sign_date_display": o.sign_date_display,
            "missing_elements": o.missing_elements,
            "key_contacts": [
                {
                    "contact_id": r.contact_id,
                    "name": r.contact.name,
                    "title": r.contact.title,
                    "decision_role": r.decision_role,
                    "stance": r.stance,
                    "company_level": r.company_level,
                }
                for r in roles
            ],
            "relationship_score": relationship.score if relationship is not None else None,
            "relationship_gaps": [g.text for g in relationship.gaps] if relationship is not None else [],
            "flags": [f.as_dict() for f in getattr(o, "health_flags", None) or []],
            "version": o.version,
            "updated_at": o.updated_at,
        }


class CloseReasonRef(Schema):
    id: int
    code: str
    name: str


def _look_ahead_fields(ahead: LookAhead | None) -> dict[str, Any]:
    if ahead is None:
        return {}
    return {
        "relationship_upcoming": [g.text for g in ahead.upcoming],
        "relationship_sign_near": list(ahead.sign_near),
        "relationship_one_side": ahead.one_side.text if ahead.one_side else None,
    }


class OpportunityDetailOut(OpportunityOut):
    process: str = Field(..., description="Code of the opportunity's sales process.")
    stage_entered_at: dt.datetime | None
    product_line: str
    gross_margin: Decimal | None = Field(None, description="Estimated gross margin in percent.")
    expense_budget: Money | None = Field(None, description="Sales expense budget in yuan.")
    customer_lead: Ref | None = Field(None, description="The customer-side lead (a contact of the customer).")
    initiated_at: dt.date | None
    close_reason: str
    close_reason_choice: CloseReasonRef | None = Field(
        None, description="The reason from the list the opportunity closed for."
    )
    lessons: str
    closed_at: dt.datetime | None
    lost_to: Ref | None = Field(None, description="The competitor a lost opportunity went to.")
    forecast_category: str = Field(..., description="The owner's choice; empty: the stage's default.")
    effective_forecast_category: str = Field(..., description="What the forecast counts it as.")
    created_at: dt.datetime
    relationship_upcoming: list[str] = Field(
        default_factory=list,
        description="The next stage's relationship requirements not met yet, e.g. `P3 · no Technical approver known`.",
    )
    relationship_sign_near: list[str] = Field(
        default_factory=list,
        description="A weak or opposing decision maker (or none known) while the sign date is near, whatever the stage.",
    )
    relationship_one_side: str | None = Field(
        None, description="Set when our relationships cover only the technical or only the business side."
    )

    @staticmethod
    def from_opportunity(o: Opportunity) -> dict[str, Any]:
        return {
            **OpportunityOut.from_opportunity(o),
            "process": o.stage.process.code,
            "stage_entered_at": o.stage_entered_at,
            "product_line": o.product_line,
            "gross_margin": o.gross_margin,
            "expense_budget": o.expense_budget,
            "customer_lead": ref(o.customer_lead),
            "initiated_at": o.initiated_at,
            "close_reason": o.close_reason,
            "close_reason_choice": (
                {
                    "id": o.close_reason_choice.pk,
                    "code": o.close_reason_choice.code,
                    "name": o.close_reason_choice.display_name,
                }
                if o.close_reason_choice is not None
                else None
            ),
            "lessons": o.lessons,
            "closed_at": o.closed_at,
            "lost_to": ref(o.lost_to),
            "forecast_category": o.forecast_category,
            "effective_forecast_category": o.forecast_category or o.stage.forecast_category,
            "created_at": o.created_at,
            **_look_ahead_fields(getattr(o, "relationship_ahead", None)),
        }


class Totals(Schema):
    count: int = Field(
        ...,
        description="Opportunities matching the filters (all pages); with `count_is_lower_bound`, more than this.",
    )
    amount: Money | None = Field(
        None, description="Sum of expected amounts over all pages; null when the count is a lower bound."
    )
    weighted: Money | None = Field(
        None, description="Sum of weighted amounts over all pages; null when the count is a lower bound."
    )
    count_is_lower_bound: bool = Field(
        False,
        description="True when more rows match than are counted for this filter (see `count`): "
        "filters the pipeline rollup answers (owner, team, stage, status, sign quarter) are always "
        "counted exactly; others stop counting past a limit instead of reading every row.",
    )


class OpportunityListOut(Schema):
    items: list[OpportunityOut]
    count: int = Field(
        ..., description="Total matching rows; when `count_is_lower_bound` is true, more than this match."
    )
    count_is_lower_bound: bool = Field(False, description="See `totals.count_is_lower_bound`.")
    totals: Totals
    next_cursor: str | None = Field(
        None, description="Send as `cursor` for the next page; null on the last page."
    )
    previous_cursor: str | None = Field(
        None, description="Send as `cursor` for the page before; null on the first page."
    )


class OpportunityFilters(TextSafeSchema):
    """The pipeline table's filters."""

    owner: Id | None = Field(None, description="Owner's user id.")
    team: Id | None = Field(None, description="Team id; includes the teams below it.")
    stage: Id | None = Field(None, description="Stage id.")
    status: StatusFilter | None = Field(None, description="open, won, lost, dropped or all (the default).")
    sign_quarter: str | None = Field(
        None, max_length=20, description="Expected sign quarter, `2027 Q3` (or `27.Q3`)."
    )
    customer: Id | None = Field(None, description="Customer id; includes the group's subsidiaries.")
    q: str | None = Field(
        None, max_length=SEARCH_MAX, description="Text in the name, project number or customer name."
    )
    incomplete: bool = Field(False, description="Only opportunities missing one of the four elements.")
    flagged: bool = Field(False, description="Only open opportunities with at least one health flag.")
    sort: str | None = Field(
        None,
        max_length=40,
        description="number, name, customer, owner, stage, amount, sign_date, status, updated or severity (worst health flag); prefix `-` to reverse. Default `-updated`.",
    )
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    cursor: str | None = Field(
        None,
        max_length=CURSOR_MAX,
        description="Where the page starts: `next_cursor` or `previous_cursor` of the page before, "
        "with the same sort and filters. Page with this, not `offset`: a cursor page costs the same "
        "at any depth and does not skip or repeat rows when others change meanwhile.",
    )
    offset: Offset = Field(
        0,
        description="Rows to skip (kept for older clients; reads every skipped row, so prefer `cursor`). "
        "Not together with `cursor`.",
    )


# An amount a client sends: yuan, never negative, at most 14 digits before the point and 2 after.
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=MONEY_DIGITS, decimal_places=2)]


ForecastCategoryIn = Literal["", "commit", "best_case", "pipeline", "omitted"]


class OpportunityCreateIn(InputSchema):
    customer: Id = Field(..., description="Id of a customer you can see.")
    name: str = Field(..., min_length=1, max_length=200)
    owner: Id | None = Field(
        None, description="User id of the owner; default yourself. Must be someone whose work you see."
    )
    stage: IdOrCode | None = Field(
        None, description="Stage id or code (e.g. `P2`) of the default process; default its first stage."
    )
    amount: MoneyIn | None = Field(None, description="Single expected amount in yuan, ≥ 0.")
    amount_low: MoneyIn | None = Field(None, description="Low end of an amount range.")
    amount_high: MoneyIn | None = Field(None, description="High end of an amount range.")
    sign_date: dt.date | None = Field(None, description="Expected sign date, YYYY-MM-DD.")
    sign_date_precision: Precision = Field("day", description="day, month or quarter.")
    product_line: str = Field("", max_length=100)
    gross_margin: Decimal | None = Field(
        None, ge=-100, le=100, max_digits=5, decimal_places=2, description="Percent."
    )
    expense_budget: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    customer_lead: Id | None = Field(None, description="Contact id of the customer-side lead.")
    initiated_at: dt.date | None = None
    forecast_category: ForecastCategoryIn = Field(
        "", description="commit, best_case, pipeline or omitted; empty: the stage's default."
    )
    note: str = Field(
        "",
        max_length=SHORT_TEXT_MAX,
        description="Why the opportunity was opened (kept in the stage history).",
    )


class OpportunityUpdateIn(InputSchema):
    """Only the fields sent are changed; stage and status have their own endpoints (move, close)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    owner: Id | None = Field(None, description="User id of the new owner.")
    amount: MoneyIn | None = Field(None, description="Single expected amount; null clears it.")
    amount_low: MoneyIn | None = Field(None)
    amount_high: MoneyIn | None = Field(None)
    sign_date: dt.date | None = Field(None, description="YYYY-MM-DD; null clears it.")
    sign_date_precision: Precision | None = None
    product_line: str | None = Field(None, max_length=100)
    gross_margin: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    expense_budget: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    customer_lead: Id | None = Field(None, description="Contact id; null clears it.")
    initiated_at: dt.date | None = None
    forecast_category: ForecastCategoryIn | None = Field(
        None, description="commit, best_case, pipeline or omitted; empty string: the stage's default."
    )


class OpportunityMoveIn(InputSchema):
    to_stage: IdOrCode = Field(
        ..., description="Target stage: its id, or its code in the opportunity's process (e.g. `P3`)."
    )
    key_node_confirmed: bool = Field(
        False, description="Required for a forward move: the target stage's key node is done."
    )
    note: str = Field("", max_length=SHORT_TEXT_MAX, description="Why; required for a backward move.")
    achieved: str = Field(
        "",
        max_length=SHORT_TEXT_MAX,
        description="Stage summary (阶段总结) of the stage left on a forward move: what was achieved "
        "against its key node.",
    )
    carry_over: str = Field(
        "", max_length=SHORT_TEXT_MAX, description="Stage summary: what carries over into the next stage."
    )
    version: Id | None = Field(None, description="The version you read, if you do not send If-Match.")


class OpportunityMoveOut(Schema):
    opportunity: OpportunityDetailOut
    warnings: list[str] = Field(..., description="Open exit criteria of the stage left behind.")


class OpportunityCloseIn(InputSchema):
    status: CloseStatus = Field(..., description="won, lost or dropped.")
    reason_choice: IdOrCode = Field(
        ...,
        description="The reason from the list for the outcome (`GET /close-reasons`): its id, or its "
        "code within the outcome (e.g. `price`). Required; retired reasons are refused.",
    )
    reason: str = Field("", max_length=SHORT_TEXT_MAX, description="Why it ended, in your words (optional).")
    lost_to: IdOrCode | None = Field(
        None,
        description="Competitor id or name (lost only; required when the reason names a competitor).",
    )
    lessons: str = Field("", max_length=NOTE_MAX, description="Lessons learned (optional).")


class CloseReasonOut(Schema):
    id: int
    outcome: str = Field(..., description="won, lost or dropped.")
    code: str
    name: str = Field(..., description="The name in the request's language.")
    needs_competitor: bool = Field(..., description="A loss for this reason names the competitor.")
    is_active: bool

    @staticmethod
    def from_reason(r: CloseReason) -> dict[str, Any]:
        return {
            "id": r.pk,
            "outcome": r.outcome,
            "code": r.code,
            "name": r.display_name,
            "needs_competitor": r.needs_competitor,
            "is_active": r.is_active,
        }


class StageChangeOut(Schema):
    id: int
    from_stage: StageRef | None = Field(
        None, description="Null for the stage the opportunity was created in."
    )
    to_stage: StageRef
    is_backward: bool
    changed_by: Ref | None
    changed_at: dt.datetime
    note: str
    achieved: str = Field("", description="Stage summary: achieved against the key node of the stage left.")
    carry_over: str = Field("", description="Stage summary: what carries over into the next stage.")

    @staticmethod
    def from_change(c: StageChange) -> dict[str, Any]:
        return {
            "id": c.pk,
            "from_stage": stage_ref(c.from_stage) if c.from_stage else None,
            "to_stage": stage_ref(c.to_stage),
            "is_backward": c.is_backward,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "note": c.note,
            "achieved": c.achieved,
            "carry_over": c.carry_over,
        }


class OpportunityFieldChangeOut(Schema):
    field: str
    old_value: str
    new_value: str
    changed_by: Ref | None
    changed_at: dt.datetime


class OpportunityHistoryOut(Schema):
    stage_changes: list[StageChangeOut] = Field(..., description="Every stage change, newest first.")
    changes: list[OpportunityFieldChangeOut] = Field(
        ..., description="Edits of amount, sign date, owner, status …, newest first."
    )
