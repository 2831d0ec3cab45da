"""API shapes for an opportunity's decision chain, power map and relationship score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, TextSafeSchema
from kam.relationships.models import Stance


class RefOut(Schema):
    id: int
    name: str


class StageBrief(Schema):
    id: int
    code: str
    name: str = Field(..., description="In the request's language.")


class FourElementsOut(Schema):
    id: int
    project_number: str
    name: str
    customer: RefOut
    stage: StageBrief
    status: str
    amount: Decimal | None = Field(None, description="Single expected amount in yuan.")
    amount_low: Decimal | None = Field(None, description="Low end of an amount range.")
    amount_high: Decimal | None = Field(None, description="High end of an amount range.")
    amount_display: str = Field(
        ..., description="The amount or range as users read it, e.g. `¥1,000,000.00`."
    )
    sign_date: dt.date | None
    sign_date_precision: str = Field(..., description="day, month or quarter.")
    sign_date_display: str
    missing_elements: list[str] = Field(..., description="Missing four elements: name, amount, sign_date.")


class GapOut(Schema):
    requirement_id: int
    stage: str = Field(..., description="Code of the stage from which the requirement applies.")
    text: str = Field(
        ..., description="The unmet requirement in words, e.g. `P4 · Decision maker Wang opposes`."
    )


class OneSideOut(Schema):
    covered: str = Field(
        ..., description="`technical` or `business`: the side our strong relationships are on."
    )
    covered_label: str
    missing: str = Field(..., description="The other side, where nobody is known at the strong level.")
    missing_label: str
    text: str


class LookAheadOut(Schema):
    next_stage: str | None = Field(None, description="The next stage's code (none at the last stage).")
    upcoming_met: int
    upcoming_total: int = Field(..., description="Requirements that start at the next stage.")
    upcoming: list[GapOut] = Field(..., description="The next stage's requirements not met yet.")
    sign_near: list[str] = Field(
        ..., description="A weak or opposing decision maker (or none known) while the sign date is near."
    )
    one_side: OneSideOut | None = Field(
        None, description="Set when our relationships cover only one side of the decision chain."
    )
    has_findings: bool


class RelationshipScoreOut(Schema):
    score: int = Field(..., description="0–100: the share of the stage's relationship requirements met.")
    met: int
    total: int = Field(..., description="Requirements that apply at the opportunity's stage.")
    gaps: list[GapOut]
    look_ahead: LookAheadOut | None = Field(
        None, description="What is coming; it does not change the score (empty findings for a closed deal)."
    )


class ChainRoleOut(Schema):
    decision_role: str = Field(
        ..., description="decision_maker, technical_approver, business_approver, influencer, user or coach."
    )
    label: str
    stance: str = Field(..., description="A support, B neutral, C oppose.")


class ChainPersonOut(Schema):
    id: int
    name: str
    title: str
    department: str
    rank: str = Field(..., description="high, mid_high, mid or low.")
    rank_label: str
    influence: int = Field(..., description="1–5: how much weight the person carries inside the customer.")
    level: int | None = Field(
        None, description="Company CR level: the highest any of our people holds (1–5)."
    )
    level_label: str
    roles: list[ChainRoleOut] = Field(
        ..., description="Decision roles on this opportunity (a person may hold several)."
    )
    stance: str | None = Field(
        None, description="A, B or C; with several roles the most negative stance. Null for context managers."
    )
    stance_label: str


class ChainNodeOut(ChainPersonOut):
    parent: int | None = Field(None, description="The manager's id, if the manager is in the tree.")
    depth: int = Field(..., description="0 for the top of the tree.")
    in_chain: bool = Field(..., description="Holds a decision role on this opportunity.")
    context: bool = Field(..., description="A manager shown only to connect the chain to the top.")


class ReportsToOut(Schema):
    source: int = Field(..., description="The manager.")
    target: int = Field(..., description="The person reporting to them.")
    chains: list[str] = Field(
        ..., description="`technical` and/or `business` when the line lies on an approval chain."
    )


class InfluenceLineOut(Schema):
    source: int = Field(..., description="The person who sways …")
    target: int = Field(..., description="… this person.")
    note: str


class DecisionChainOut(Schema):
    opportunity: FourElementsOut
    nodes: list[ChainNodeOut] = Field(
        ..., description="People in the chain and their managers up to the top, by depth."
    )
    reports_to: list[ReportsToOut]
    influence_lines: list[InfluenceLineOut] = Field(..., description="Between people in the tree only.")
    technical_chain: list[list[int]] = Field(
        ..., description="Per technical approver: ids from them up to the top along reports_to."
    )
    business_chain: list[list[int]] = Field(..., description="The same for business approvers.")
    relationship_score: RelationshipScoreOut


class PowerPersonOut(ChainPersonOut):
    x: float = Field(
        ..., description="Stance position: −1 oppose, 0 neutral, 1 support, spread so no two overlap."
    )
    y: int = Field(..., description="Influence 1–5.")
    symbol_size: int = Field(..., description="Dot size in pixels: bigger for a higher rank.")


class WatchOut(Schema):
    id: int
    name: str
    text: str


class PowerMapOut(Schema):
    opportunity: FourElementsOut
    people: list[PowerPersonOut]
    watch_list: list[WatchOut] = Field(
        ..., description="Opponents, then neutral people, with influence at or above the power threshold."
    )
    power_threshold: int
    relationship_score: RelationshipScoreOut


class ContactRoleIn(InputSchema):
    decision_role: str = Field(
        ...,
        max_length=40,
        description="decision_maker, technical_approver, business_approver, influencer, user or coach.",
    )
    stance: str = Field(Stance.NEUTRAL.value, max_length=1, description="A support, B neutral, C oppose.")


class RoleQuery(TextSafeSchema):
    decision_role: str = Field(..., max_length=40, description="The role to take away.")
