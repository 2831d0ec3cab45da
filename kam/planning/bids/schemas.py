"""API shapes for bids. Money is Decimal, written as a string; margins are percent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, IdOrCode, InputSchema, Offset, Ref, TextSafeSchema, ref, user_ref
from kam.core.limits import NOTE_MAX, SHORT_TEXT_MAX
from kam.core.money import MONEY_DIGITS
from kam.planning.bids.margin import check as margin_check
from kam.planning.bids.models import BidChange
from kam.planning.bids.selectors import BidView

BidMoneyIn = Annotated[Decimal, Field(ge=0, max_digits=MONEY_DIGITS, decimal_places=2)]
CostKindIn = Literal["equipment", "software", "services", "subcontract", "expenses", "other"]
SectionIn = Literal["qualification", "commercial", "technical", "price"]
ItemStatusIn = Literal["todo", "in_progress", "done", "n_a"]
AnswerIn = Literal["", "yes", "partly", "no"]
RoleIn = Literal["customer_relations", "technical_solution", "implementation", "project_manager"]


# Reads -------------------------------------------------------------------------------------------


class BidCostLineOut(Schema):
    id: int
    kind: str
    description: str
    amount: Decimal


class BidCheckpointOut(Schema):
    id: int
    due: dt.date
    what: str
    done: bool


class BidComplianceItemOut(Schema):
    id: int
    section: str = Field(..., description="qualification, commercial, technical or price.")
    text: str
    owner: Ref | None
    status: str = Field(..., description="todo, in_progress, done or n_a (not applicable).")


class BidComplianceOut(Schema):
    done: int
    applicable: int = Field(..., description="Items not marked not applicable.")
    percent: int | None
    items: list[BidComplianceItemOut]


class BidCriterionOut(Schema):
    id: int
    text: str
    answer: str = Field(..., description="yes, partly, no or empty (not answered).")
    note: str


class BidQuestionOut(Schema):
    id: int
    question: str
    answer: str
    answered_by: Ref | None


class BidRoleOut(Schema):
    role: str
    user: Ref | None
    partner_name: str


class BidPriceApprovalOut(Schema):
    status: str = Field(..., description="Empty (not submitted), pending, approved or rejected.")
    submitted_price: Decimal | None
    approved_price: Decimal | None
    approved_at: dt.datetime | None
    request_id: int | None = Field(None, description="The latest bid-price approval request.")


class BidChangeOut(Schema):
    action: str
    summary: str
    changes: dict[str, Any]
    changed_by: Ref | None
    changed_at: dt.datetime

    @staticmethod
    def from_change(change: BidChange) -> dict[str, Any]:
        return {
            "action": change.action,
            "summary": change.summary,
            "changes": change.changes,
            "changed_by": user_ref(change.changed_by),
            "changed_at": change.changed_at,
        }


class BidDetailOut(Schema):
    id: int
    version: int = Field(..., description="Optimistic-lock version of the whole bid; send it in If-Match.")
    tender_reference: str
    tender_deadline: dt.date | None
    assessment: str
    criteria: list[BidCriterionOut]
    decision: str = Field(..., description="Empty (not decided), bid or no_bid.")
    decided_at: dt.datetime | None
    decided_by: Ref | None
    fatal_factors: str
    price: Decimal | None
    cost: Decimal = Field(..., description="The sum of the cost lines.")
    margin: Decimal | None = Field(..., description="(price − cost) / price, in percent.")
    margin_status: str = Field(..., description="below, at or above the minimum; unknown without a price.")
    needs_approval: bool = Field(..., description="Below the minimum and the price not yet approved.")
    price_approval: BidPriceApprovalOut
    cost_lines: list[BidCostLineOut]
    proposal_owner: Ref | None
    partners: list[str]
    roles: list[BidRoleOut]
    checkpoints: list[BidCheckpointOut]
    compliance: BidComplianceOut
    presenters: list[Ref]
    questions: list[BidQuestionOut]
    outcome: str = Field(..., description="Empty (awaiting the result), won or lost.")
    outcome_at: dt.datetime | None
    history: list[BidChangeOut]

    @staticmethod
    def from_view(v: BidView, changes: list[BidChange]) -> dict[str, Any]:
        b = v.bid
        return {
            "id": b.pk,
            "version": b.version,
            "tender_reference": b.tender_reference,
            "tender_deadline": b.tender_deadline,
            "assessment": b.assessment,
            "criteria": [
                {"id": c.pk, "text": c.text, "answer": c.answer, "note": c.note} for c in b.criteria.all()
            ],
            "decision": b.decision,
            "decided_at": b.decided_at,
            "decided_by": user_ref(b.decided_by),
            "fatal_factors": b.fatal_factors,
            "price": b.price,
            "cost": v.margin.cost,
            "margin": v.margin.margin,
            "margin_status": v.margin.status,
            "needs_approval": v.needs_approval,
            "price_approval": {
                "status": v.price_approval_status,
                "submitted_price": b.submitted_price,
                "approved_price": b.approved_price,
                "approved_at": b.price_approved_at,
                "request_id": v.approval.pk if v.approval else None,
            },
            "cost_lines": [
                {"id": c.pk, "kind": c.kind, "description": c.description, "amount": c.amount}
                for c in b.cost_lines.all()
            ],
            "proposal_owner": user_ref(b.proposal_owner),
            "partners": b.partner_list,
            "roles": [
                {"role": role, "user": user_ref(entry.user), "partner_name": entry.partner_name}
                for role, _label, entry in v.roles
                if entry is not None
            ],
            "checkpoints": [
                {"id": c.pk, "due": c.due, "what": c.what, "done": c.done} for c in b.checkpoints.all()
            ],
            "compliance": {
                "done": v.completeness.done,
                "applicable": v.completeness.applicable,
                "percent": v.completeness.percent,
                "items": [
                    {
                        "id": i.pk,
                        "section": i.section,
                        "text": i.text,
                        "owner": user_ref(i.owner),
                        "status": i.status,
                    }
                    for s in v.sections
                    for i in s.items
                ],
            },
            "presenters": [user_ref(p) for p in b.presenters.all()],
            "questions": [
                {
                    "id": q.pk,
                    "question": q.question,
                    "answer": q.answer,
                    "answered_by": user_ref(q.answered_by),
                }
                for q in b.questions.all()
            ],
            "outcome": b.outcome,
            "outcome_at": b.outcome_at,
            "history": [BidChangeOut.from_change(c) for c in changes],
        }


class BidInitiationOut(Schema):
    id: int
    status: str = Field(..., description="draft, pending, approved or rejected.")
    gross_margin: Decimal | None = Field(
        ..., description="The estimated gross margin at initiation, in percent."
    )
    expense_budget: Decimal | None


class BidEnvelopeOut(Schema):
    opportunity: Ref
    initiation: BidInitiationOut | None = Field(
        ..., description="The initiation report the bid re-evaluates."
    )
    minimum_margin: Decimal = Field(
        ..., description="The company's minimum margin in percent (the bid policy)."
    )
    bid: BidDetailOut | None = Field(..., description="Null until the bid is started.")

    @staticmethod
    def build(
        opportunity: Any, initiation: Any, minimum: Decimal, bid: dict[str, Any] | None
    ) -> dict[str, Any]:
        report = None
        if initiation is not None:
            report = {
                "id": initiation.pk,
                "status": initiation.status,
                "gross_margin": initiation.gross_margin,
                "expense_budget": initiation.expense_budget,
            }
        return {"opportunity": ref(opportunity), "initiation": report, "minimum_margin": minimum, "bid": bid}


class BidSummaryOut(Schema):
    id: int
    opportunity: Ref
    customer: Ref
    owner: Ref
    stage: str = Field(..., description="The deal's stage code.")
    tender_reference: str
    tender_deadline: dt.date | None
    decision: str
    outcome: str
    price: Decimal | None
    cost: Decimal
    margin: Decimal | None
    margin_status: str
    price_approval: str
    compliance_done: int
    compliance_applicable: int
    version: int

    @staticmethod
    def from_bid(b: Any, minimum: Decimal) -> dict[str, Any]:
        # SQLite hands the sum back without its places (90, not 90.00).
        cost = Decimal(b.cost).quantize(Decimal("0.01"))
        check = margin_check(b.price, cost, minimum)
        o = b.opportunity
        return {
            "id": b.pk,
            "opportunity": ref(o),
            "customer": ref(o.customer),
            "owner": user_ref(o.owner),
            "stage": o.stage.code,
            "tender_reference": b.tender_reference,
            "tender_deadline": b.tender_deadline,
            "decision": b.decision,
            "outcome": b.outcome,
            "price": b.price,
            "cost": cost,
            "margin": check.margin,
            "margin_status": check.status,
            "price_approval": b.price_approval,
            "compliance_done": b.done,
            "compliance_applicable": b.applicable,
            "version": b.version,
        }


class BidListOut(Schema):
    items: list[BidSummaryOut]
    count: int
    minimum_margin: Decimal


class BidFiltersIn(TextSafeSchema):
    decision: Literal["", "bid", "no_bid"] | None = Field(None, description="Empty: not decided yet.")
    outcome: Literal["", "won", "lost"] | None = Field(None, description="Empty: awaiting the result.")
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


# Writes ------------------------------------------------------------------------------------------


class BidStartIn(InputSchema):
    tender_reference: str = Field("", max_length=100)
    tender_deadline: dt.date | None = None
    assessment: str = Field("", max_length=NOTE_MAX)


class BidUpdateIn(InputSchema):
    tender_reference: str | None = Field(None, max_length=100)
    tender_deadline: dt.date | None = None
    assessment: str | None = Field(None, max_length=NOTE_MAX)
    price: BidMoneyIn | None = None
    proposal_owner: Id | None = Field(None, description="A user id.")
    partners: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(None, max_length=50)
    presenters: list[Id] | None = Field(None, max_length=50, description="User ids.")


class BidRoleIn(InputSchema):
    user: Id | None = Field(None, description="A person of ours (user id)…")
    partner_name: str = Field(
        "", max_length=100, description="…or a partner's person by name; neither clears the role."
    )


class BidDecisionIn(InputSchema):
    decision: Literal["bid", "no_bid"]
    fatal_factors: str = Field("", max_length=NOTE_MAX, description="Required for no_bid.")


class BidOutcomeIn(InputSchema):
    outcome: Literal["won", "lost"]
    reason: str = Field("", max_length=SHORT_TEXT_MAX)
    reason_choice: IdOrCode | None = Field(
        None, description="Lost: the reason from the list for a loss (id or code), e.g. `price`."
    )
    lost_to: IdOrCode | None = Field(None, description="Lost: the competitor's id or name.")


class BidCostLineIn(InputSchema):
    kind: CostKindIn
    description: str = Field(..., min_length=1, max_length=200)
    amount: BidMoneyIn


class BidCostLineUpdateIn(InputSchema):
    kind: CostKindIn | None = None
    description: str | None = Field(None, min_length=1, max_length=200)
    amount: BidMoneyIn | None = None


class BidCheckpointIn(InputSchema):
    due: dt.date
    what: str = Field(..., min_length=1, max_length=200)
    done: bool = False


class BidCheckpointUpdateIn(InputSchema):
    due: dt.date | None = None
    what: str | None = Field(None, min_length=1, max_length=200)
    done: bool | None = None


class BidComplianceItemIn(InputSchema):
    section: SectionIn
    text: str = Field(..., min_length=1, max_length=200)
    owner: Id | None = None
    status: ItemStatusIn = "todo"


class BidComplianceItemUpdateIn(InputSchema):
    section: SectionIn | None = None
    text: str | None = Field(None, min_length=1, max_length=200)
    owner: Id | None = None
    status: ItemStatusIn | None = None


class BidCriterionIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=200)
    answer: AnswerIn = ""
    note: str = Field("", max_length=200)


class BidCriterionUpdateIn(InputSchema):
    text: str | None = Field(None, min_length=1, max_length=200)
    answer: AnswerIn | None = None
    note: str | None = Field(None, max_length=200)


class BidQuestionIn(InputSchema):
    question: str = Field(..., min_length=1, max_length=200)
    answer: str = Field("", max_length=NOTE_MAX)
    answered_by: Id | None = None


class BidQuestionUpdateIn(InputSchema):
    question: str | None = Field(None, min_length=1, max_length=200)
    answer: str | None = Field(None, max_length=NOTE_MAX)
    answered_by: Id | None = None
