"""API shapes of the strategy checklists."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Ref, user_ref
from kam.core.limits import SHORT_TEXT_MAX
from kam.planning.checklists.models import ChecklistChange, ChecklistQuestion
from kam.planning.checklists.selectors import Row, SectionScore

AnswerChoice = Literal["yes", "partly", "no"]


class QuestionOut(Schema):
    id: int
    text: str
    text_en: str


class ItemOut(Schema):
    question: QuestionOut
    value: str | None = Field(..., description="yes, partly, no, or null when unanswered.")
    note: str
    version: int = Field(..., description="The answer's version (0: unanswered); send it in If-Match.")
    answered_by: Ref | None
    answered_at: dt.datetime | None

    @staticmethod
    def from_row(row: Row) -> dict[str, Any]:
        q, a = row.question, row.answer
        return {
            "question": {"id": q.pk, "text": q.text, "text_en": q.text_en},
            "value": a.value if a else None,
            "note": a.note if a else "",
            "version": a.version if a else 0,
            "answered_by": user_ref(a.answered_by) if a else None,
            "answered_at": a.answered_at if a else None,
        }


class SectionOut(Schema):
    code: str
    name: str
    name_en: str
    percent: int | None = Field(
        ..., description="Completeness: yes 1, partly ½, no or unanswered 0 (floored %)."
    )
    questions: int
    answered: int
    items: list[ItemOut]

    @staticmethod
    def from_score(score: SectionScore) -> dict[str, Any]:
        s = score.section
        return {
            "code": s.code,
            "name": s.name,
            "name_en": s.name_en,
            "percent": score.percent,
            "questions": score.questions,
            "answered": score.answered,
            "items": [ItemOut.from_row(r) for r in score.rows],
        }


class ChecklistChangeOut(Schema):
    action: str = Field(..., description="answered, changed or cleared.")
    question: int | None
    question_label: str
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict[str, Any]

    @staticmethod
    def from_change(c: ChecklistChange) -> dict[str, Any]:
        return {
            "action": c.action,
            "question": c.question_id,
            "question_label": c.question_label,
            "changed_by": user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "changes": c.changes,
        }


class ChecklistOut(Schema):
    opportunity: Ref
    stage: str
    percent: int | None
    questions: int
    answered: int
    other_stage_questions: int = Field(..., description="Questions in use that apply at other stages only.")
    sections: list[SectionOut]
    history: list[ChecklistChangeOut]


class TemplateQuestionOut(Schema):
    id: int
    section: str
    text: str
    text_en: str
    order: int
    stages: list[str] = Field(..., description="Stage codes where it applies; empty: every stage.")

    @staticmethod
    def from_question(q: ChecklistQuestion) -> dict[str, Any]:
        return {
            "id": q.pk,
            "section": q.section.code,
            "text": q.text,
            "text_en": q.text_en,
            "order": q.order,
            "stages": sorted({s.code for s in q.stages.all()}),
        }


class AnswerIn(InputSchema):
    value: AnswerChoice
    note: str = Field("", max_length=SHORT_TEXT_MAX)
