"""API shapes of a deal's approach paths."""

from __future__ import annotations

from ninja import Field, Schema


class PersonRefOut(Schema):
    id: int
    name: str


class TargetContactOut(PersonRefOut):
    title: str


class PathPersonOut(Schema):
    kind: str = Field(..., description="`user` (our person, first) or `contact` (the customer's people).")
    id: int
    name: str
    note: str = Field(
        ...,
        description="The words in brackets after the name, e.g. `CR4, reports to` (empty for our person).",
    )


class PathStepOut(Schema):
    kind: str = Field(
        ...,
        description="relationship (ours, CR level), reports_to, manages, influence or shared_chain "
        "(together on another deal's decision chain at the customer or its group).",
    )
    label: str
    strength: float = Field(
        ..., description="0–1: CR1 0.2 … CR5 1.0; reporting line 0.7; influence 0.8; shared chain 0.5."
    )


class ApproachPathOut(Schema):
    text: str = Field(
        ..., description="The path in words, e.g. `Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang`."
    )
    strength: float = Field(..., description="The product of the steps' strengths: how the paths are ranked.")
    percent: int
    weakest_link: float
    hops: int
    our_person: PersonRefOut
    people: list[PathPersonOut]
    steps: list[PathStepOut]
    summary: str = Field(..., description="The summary of the activity that takes this path.")
    action_url: str = Field(
        ..., description="The activity log form prefilled with the deal, the path's people and the summary."
    )


class ApproachTargetOut(Schema):
    contact: TargetContactOut
    roles: list[str] = Field(..., description="decision_maker, technical_approver and/or business_approver.")
    role_labels: list[str]
    stance: str = Field(..., description="A, B or C; with several roles the most negative.")
    stance_label: str
    level: int | None = Field(
        None, description="The company's CR level with them (the highest of our people's)."
    )
    reasons: list[str] = Field(
        ..., description="`opposed` and/or `weak` (below the strong level, or unknown)."
    )
    why: str
    paths: list[ApproachPathOut] = Field(..., description="At most three, strongest first.")
    no_path: str = Field(..., description="Why no path is offered (empty when there are paths).")


class DealPathsOut(Schema):
    opportunity_id: int
    targets: list[ApproachTargetOut] = Field(
        ...,
        description="The deal's weak or opposed decision makers and approvers (none when all are strong).",
    )
