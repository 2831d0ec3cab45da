"""Reads of a deal's strategy checklist: the questions that apply at its stage with their answers,
the completeness per section and in all, the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kam.planning.checklists.models import (
    AnswerValue,
    ChecklistAnswer,
    ChecklistChange,
    ChecklistQuestion,
    ChecklistSection,
    half_points,
    in_english,
)

if TYPE_CHECKING:
    from kam.opportunities.models import Opportunity
    from kam.org.models import User

HISTORY_SHOWN = 30


def percent(half_points: int, questions: int) -> int | None:
    """Completeness in whole per cent, floored: yes 1, partly ½, no or unanswered 0 (None: no
    question). Floored like the health rule's, so a section below the minimum never shows it."""
    if not questions:
        return None
    return half_points * 50 // questions


@dataclass
class Row:
    question: ChecklistQuestion
    answer: ChecklistAnswer | None
    errors: list[str] = field(default_factory=list)  # a refused write's messages, on the page

    @property
    def value(self) -> str:
        return self.answer.value if self.answer else ""

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0


@dataclass
class SectionScore:
    section: ChecklistSection
    rows: list[Row] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.answer)

    @property
    def half_points(self) -> int:
        return sum(r.answer.half_points for r in self.rows if r.answer)

    @property
    def percent(self) -> int | None:
        return percent(self.half_points, self.questions)


@dataclass
class Checklist:
    sections: list[SectionScore]
    other_stage_questions: int

    @property
    def questions(self) -> int:
        return sum(s.questions for s in self.sections)

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def percent(self) -> int | None:
        return percent(sum(s.half_points for s in self.sections), self.questions)


def checklist(opportunity: Opportunity) -> Checklist:
    """The sections with the questions that apply at the deal's stage, each with the deal's answer
    (three queries: the questions, the answers, the number of questions of other stages)."""
    questions = list(
        ChecklistQuestion.objects.applicable(opportunity.stage_id)
        .select_related("section")
        .order_by("section__order", "section_id", "order", "id")
    )
    answers = {
        a.question_id: a
        for a in ChecklistAnswer.objects.filter(
            opportunity=opportunity, question__in=[q.pk for q in questions]
        ).select_related("answered_by")
    }
    sections: dict[int, SectionScore] = {}
    for question in questions:
        score = sections.setdefault(question.section_id, SectionScore(question.section))
        score.rows.append(Row(question, answers.get(question.pk)))
    in_use = ChecklistQuestion.objects.in_use().count()
    return Checklist(list(sections.values()), other_stage_questions=in_use - len(questions))


@dataclass(frozen=True)
class SectionFigures:
    name: str
    name_en: str
    half_points: int
    questions: int
    answered: int

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name

    @property
    def percent(self) -> int | None:
        return percent(self.half_points, self.questions)


def section_figures(opportunity: Opportunity) -> list[SectionFigures]:
    """Per section, in order: half points, questions and answers over the questions that apply at
    the deal's stage, in one grouped query."""
    unanswered = Q(p=-1)
    mine = ChecklistAnswer.objects.filter(question_id=OuterRef("pk"), opportunity_id=opportunity.pk)
    rows = (
        ChecklistQuestion.objects.applicable(opportunity.stage_id)
        .annotate(
            p=Coalesce(
                Subquery(mine.annotate(p=half_points()).values("p")[:1], output_field=IntegerField()), -1
            )
        )
        .values("section_id", "section__order", "section__name", "section__name_en")
        .annotate(
            questions=Count("id"),
            answered=Count("id", filter=~unanswered),
            points=Sum("p", filter=~unanswered),
        )
        .order_by("section__order", "section_id")
    )
    return [
        SectionFigures(
            name=row["section__name"],
            name_en=row["section__name_en"],
            half_points=int(row["points"] or 0),
            questions=int(row["questions"]),
            answered=int(row["answered"]),
        )
        for row in rows
    ]


def completeness(opportunity: Opportunity) -> tuple[int, int, int]:
    """(half points, questions, answered) over the questions that apply at the deal's stage, in one query."""
    figures = section_figures(opportunity)
    return (
        sum(f.half_points for f in figures),
        sum(f.questions for f in figures),
        sum(f.answered for f in figures),
    )


FIELD_LABELS = {"value": _lazy("Answer"), "note": _lazy("Note")}
ANSWER_LABELS = dict(AnswerValue.choices)


def described(change: ChecklistChange) -> list[tuple[str, str, str]]:
    """What a change did, as (field's name, before, after) in the reader's language."""
    lines = []
    for name, pair in change.changes.items():
        if name in FIELD_LABELS and isinstance(pair, list) and len(pair) == 2:
            shown = [
                "—" if v in (None, "") else str(ANSWER_LABELS.get(v, v) if name == "value" else v)
                for v in pair
            ]
            lines.append((str(FIELD_LABELS[name]), shown[0], shown[1]))
    return lines


def history(opportunity: Opportunity, limit: int = HISTORY_SHOWN) -> list[ChecklistChange]:
    """The latest changes, each with its `lines` (before and after, for the page)."""
    rows = list(ChecklistChange.objects.filter(opportunity=opportunity).select_related("changed_by")[:limit])
    for row in rows:
        row.lines = described(row)  # type: ignore[attr-defined]
    return rows


def state(opportunity: Opportunity, user: User) -> str:
    """The strategy panel's line: "72 % complete · lowest: Competition strategy 25 %" (one query)."""
    figures = section_figures(opportunity)
    questions = sum(f.questions for f in figures)
    if not questions:
        return _("no questions at this stage")
    if not any(f.answered for f in figures):
        return _("not started")
    overall = _("%(percent)s %% complete") % {
        "percent": percent(sum(f.half_points for f in figures), questions)
    }
    lowest = min(figures, key=lambda f: f.percent or 0)
    if (lowest.percent or 0) >= 100:
        return overall
    return _("%(overall)s · lowest: %(section)s %(percent)s %%") % {
        "overall": overall,
        "section": lowest.display_name,
        "percent": lowest.percent,
    }
