"""API shapes for a customer's org chart and the editor's writes: move, delete impact, influence lines."""

from __future__ import annotations

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, TextSafeSchema
from kam.relationships.schemas import RankChoice


class OrgChartRoleOut(Schema):
    code: str = Field(..., description="Decision role code, e.g. `technical_approver`.")
    label: str = Field(..., description="The role's name in the active language.")


class LegendOut(OrgChartRoleOut):
    colour: str = Field(..., description="Node colour for a contact whose strongest role this is.")


class OrgChartNode(Schema):
    id: int
    name: str
    title: str
    department: str
    rank: RankChoice = Field(..., description="high, mid_high, mid or low.")
    rank_label: str = Field(..., description="The rank in the active language.")
    influence: int = Field(..., description="1 (little) to 5 (decisive).")
    level: int | None = Field(
        ...,
        description="Company-level relationship (CR1–CR5 as 1–5): the highest level any of our people "
        "holds with the contact; null if nobody has one.",
    )
    roles: list[OrgChartRoleOut] = Field(
        ...,
        description="Decision roles the contact holds in this customer's open opportunities that you "
        "can see, strongest first.",
    )
    colour: str = Field(..., description="Node colour: the strongest role's colour (see `legend`).")
    reports_to: int | None = Field(
        ..., description="Manager's contact id (may differ from the parent where a stale cycle was cut)."
    )
    version: int = Field(..., description="The contact's version, for a move or an edit.")
    context: bool = Field(
        ...,
        description="True when the contact is shown only as a manager above the focused department's people.",
    )
    children: list[OrgChartNode] = Field(..., description="Direct reports, highest rank first.")


OrgChartNode.model_rebuild()


class OrgChartOut(Schema):
    customer: Ref
    roots: list[OrgChartNode] = Field(
        ..., description="People with no manager (several when the organisation has several heads)."
    )
    count: int = Field(..., description="Number of contacts in the tree.")
    departments: list[str] = Field(
        ..., description="The customer's distinct departments, for the focus filter."
    )
    department: str | None = Field(None, description="The department the tree is focused on, if any.")
    legend: list[LegendOut] = Field(..., description="Decision roles and their node colours.")


class OrgChartFilters(TextSafeSchema):
    department: str | None = Field(
        None,
        max_length=100,
        description="Focus on one department: its people and the managers above them (as context).",
    )


class ContactMoveIn(InputSchema):
    manager: Id | None = Field(
        ..., description="Contact id of the new manager (same customer); null moves the contact to the top."
    )
    version: Id = Field(..., description="The contact's version you read (stale: 412).")


class DeleteImpactOut(Schema):
    contact: Ref
    blocked: bool = Field(
        ..., description="True while the contact is in an open opportunity's decision chain."
    )
    open_opportunities: list[str] = Field(
        ..., description="Project numbers of the open opportunities that block the delete."
    )
    closed_roles: int = Field(
        ..., description="Decision-chain roles on closed opportunities that go with the contact."
    )
    relationships: int = Field(
        ..., description="Relationship-level rows (our people × this contact) that go."
    )
    influence_lines: int = Field(..., description="Influence lines from or to the contact that go.")
    reports: int = Field(..., description="Direct reports, who move up to the contact's own manager.")
    reports_move_to: Ref | None = Field(None, description="Where the direct reports move (null: to the top).")
    message: str = Field(..., description="The same, as one sentence for a confirmation dialog.")


class InfluenceIn(InputSchema):
    target: Id = Field(..., description="Contact id of the person swayed (same customer, not the source).")
    note: str = Field("", max_length=200)


class InfluenceOut(Schema):
    id: int
    source: Ref = Field(..., description="The person who sways.")
    target: Ref = Field(..., description="The person swayed.")
    note: str
