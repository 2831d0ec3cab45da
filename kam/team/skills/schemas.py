"""API shapes for skills and training."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.team.skills.models import ACTION_MAX, ADVICE_MAX, NOTE_MAX, Placement, Skill, TrainingItem, Treatment
from kam.team.skills.selectors import Cell, SkillRow

AbilityChoice = Literal["able", "can_learn", "cannot"]
AttitudeChoice = Literal["willing", "unwilling"]


class SkillOut(Schema):
    id: int
    code: str
    name: str = Field(..., description="In the reader's language.")
    name_zh: str
    name_en: str
    importance: int = Field(..., description="1 (nice to have) to 5 (essential).")
    active: bool
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")

    @staticmethod
    def from_skill(skill: Skill) -> dict[str, Any]:
        return {
            "id": skill.pk,
            "code": skill.code,
            "name": skill.display_name,
            "name_zh": skill.name,
            "name_en": skill.name_en,
            "importance": skill.importance,
            "active": skill.active,
            "version": skill.version,
        }


class SkillUpdateIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    importance: int | None = Field(None, ge=1, le=5)
    active: bool | None = None


class TreatmentOut(Schema):
    id: int
    ability: str
    attitude: str
    advice: str = Field(..., description="In the reader's language.")
    advice_zh: str
    advice_en: str
    version: int

    @staticmethod
    def from_treatment(t: Treatment) -> dict[str, Any]:
        return {
            "id": t.pk,
            "ability": t.ability,
            "attitude": t.attitude,
            "advice": t.display_advice,
            "advice_zh": t.advice,
            "advice_en": t.advice_en,
            "version": t.version,
        }


class TreatmentUpdateIn(InputSchema):
    advice: str | None = Field(None, min_length=1, max_length=ADVICE_MAX)
    advice_en: str | None = Field(None, max_length=ADVICE_MAX)


class PlacementOut(Schema):
    id: int
    person: Ref
    ability: str
    attitude: str
    on: dt.date
    note: str
    current: bool = Field(..., description="The latest placement by date: the one the matrix shows.")
    set_by: Ref | None

    @staticmethod
    def from_placement(p: Placement) -> dict[str, Any]:
        return {
            "id": p.pk,
            "person": user_ref(p.person),
            "ability": p.ability,
            "attitude": p.attitude,
            "on": p.on,
            "note": p.note,
            "current": p.current,
            "set_by": user_ref(p.set_by),
        }


class PlacementIn(InputSchema):
    ability: AbilityChoice
    attitude: AttitudeChoice
    on: dt.date | None = Field(None, description="The day of the assessment; today if left out.")
    note: str = Field("", max_length=NOTE_MAX)


class MatrixCellOut(Schema):
    ability: str
    attitude: str
    treatment: TreatmentOut | None
    people: list[PlacementOut]

    @staticmethod
    def from_cell(cell: Cell) -> dict[str, Any]:
        return {
            "ability": cell.ability,
            "attitude": cell.attitude,
            "treatment": None if cell.treatment is None else TreatmentOut.from_treatment(cell.treatment),
            "people": [PlacementOut.from_placement(p) for p in cell.placements],
        }


class SkillMatrixOut(Schema):
    cells: list[MatrixCellOut] = Field(..., description="Six cells: willing first, able to cannot.")
    unplaced: list[Ref] = Field(..., description="People the reader may see who are not placed yet.")


class SkillGapOut(Schema):
    skill: Ref
    importance: int
    level: str | None = Field(
        ..., description="The latest level (a person) or the average (a team); null if none."
    )
    gap: str | None = Field(..., description="Importance − level; positive is a shortfall.")
    quadrant: str | None = Field(..., description="train_first, keep_up, low_priority or overkill.")
    assessed: int = Field(..., description="People with a level in the skill.")
    below: int = Field(..., description="Of them, those below the skill's importance (teams).")
    open_training: int

    @staticmethod
    def from_row(row: SkillRow) -> dict[str, Any]:
        return {
            "skill": {"id": row.skill.pk, "name": row.skill.display_name},
            "importance": row.importance,
            "level": None if row.level is None else str(row.level),
            "gap": None if row.gap is None else str(row.gap),
            "quadrant": row.quadrant,
            "assessed": row.assessed,
            "below": row.below,
            "open_training": row.open_training,
        }


class SkillGapsOut(Schema):
    subject: Ref = Field(..., description="The person or the team.")
    people: int = Field(..., description="People counted (1 for a person).")
    gaps: list[SkillGapOut] = Field(..., description="The largest gap first; skills without a level last.")
    quadrant_labels: dict[str, str]


class SkillLevelOut(Schema):
    id: int
    skill: Ref
    level: int
    on: dt.date
    note: str
    current: bool
    set_by: Ref | None


class SkillLevelIn(InputSchema):
    skill: Id
    level: int = Field(..., ge=1, le=5)
    on: dt.date | None = Field(None, description="The day of the assessment; today if left out.")
    note: str = Field("", max_length=NOTE_MAX)


class TrainingItemOut(Schema):
    id: int
    person: Ref
    skill: Ref
    action: str
    due: dt.date
    status: str = Field(..., description="open or done.")
    done_on: dt.date | None
    overdue: bool = Field(..., description="Open with its due date past.")
    version: int

    @staticmethod
    def from_item(item: TrainingItem, overdue: bool) -> dict[str, Any]:
        return {
            "id": item.pk,
            "person": user_ref(item.person),
            "skill": {"id": item.skill.pk, "name": item.skill.display_name},
            "action": item.action,
            "due": item.due,
            "status": item.status,
            "done_on": item.done_on,
            "overdue": overdue,
            "version": item.version,
        }


class TrainingItemIn(InputSchema):
    skill: Id
    action: str = Field(..., min_length=1, max_length=ACTION_MAX)
    due: dt.date


class TrainingFromGapIn(InputSchema):
    skill: Id
    action: str = Field("", max_length=ACTION_MAX, description="Left out: a default naming the levels.")
    due: dt.date | None = Field(None, description="Left out: in 30 days.")


class TrainingItemUpdateIn(InputSchema):
    action: str | None = Field(None, min_length=1, max_length=ACTION_MAX)
    due: dt.date | None = None
    status: Literal["open", "done"] | None = None


class PersonSkillsOut(Schema):
    person: Ref
    team: Ref | None
    placement: PlacementOut | None
    treatment: TreatmentOut | None
    gaps: list[SkillGapOut]
    training: list[TrainingItemOut]
    can_assess: bool = Field(..., description="Whether the reader may set levels and plan training.")
