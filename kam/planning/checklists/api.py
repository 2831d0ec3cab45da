"""Strategy checklists over JSON: the template, a deal's answers and completeness, answering with
If-Match (the answer's version; "0" for a question read unanswered)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status

from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import READ_ERRORS, VERSIONED_WRITE_ERRORS, expected_version, ref, set_etag
from kam.core.web import current_user
from kam.opportunities.models import Opportunity
from kam.planning.checklists import selectors, services
from kam.planning.checklists.models import ChecklistAnswer, ChecklistQuestion
from kam.planning.checklists.schemas import (
    AnswerIn,
    ChecklistChangeOut,
    ChecklistOut,
    ItemOut,
    SectionOut,
    TemplateQuestionOut,
)
from kam.planning.checklists.selectors import Row

router = Router(tags=["Strategy checklists"])


def _opportunity(request: HttpRequest, pk: int) -> Opportunity:
    return get_visible_opportunity(
        current_user(request), pk, queryset=Opportunity.objects.select_related("stage")
    )


def _question(question_id: int) -> ChecklistQuestion:
    question = ChecklistQuestion.objects.in_use().select_related("section").filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


@router.get(
    "/checklists/questions",
    response=list[TemplateQuestionOut],
    summary="The checklist questions in use, section by section, with the stages where each applies",
)
def list_questions(request: HttpRequest) -> list[dict[str, Any]]:
    rows = ChecklistQuestion.objects.in_use().select_related("section").prefetch_related("stages")
    return [TemplateQuestionOut.from_question(q) for q in rows.order_by("section__order", "order", "id")]


@router.get(
    "/opportunities/{int:opportunity_id}/checklist",
    response={200: ChecklistOut, **READ_ERRORS},
    summary="A deal's checklist: the questions that apply at its stage, its answers, completeness per section",
)
def get_checklist(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    opportunity = _opportunity(request, opportunity_id)
    checklist = selectors.checklist(opportunity)
    return {
        "opportunity": ref(opportunity),
        "stage": opportunity.stage.code,
        "percent": checklist.percent,
        "questions": checklist.questions,
        "answered": checklist.answered,
        "other_stage_questions": checklist.other_stage_questions,
        "sections": [SectionOut.from_score(s) for s in checklist.sections],
        "history": [ChecklistChangeOut.from_change(c) for c in selectors.history(opportunity)],
    }


def _current(opportunity: Opportunity, question: ChecklistQuestion) -> ChecklistAnswer | None:
    return (
        ChecklistAnswer.objects.filter(opportunity=opportunity, question=question)
        .select_related("answered_by")
        .first()
    )


@router.put(
    "/opportunities/{int:opportunity_id}/checklist/questions/{int:question_id}",
    response={200: ItemOut, **VERSIONED_WRITE_ERRORS},
    summary="Answer a question for a deal (or change its answer)",
)
def put_answer(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, question_id: int, payload: AnswerIn
) -> dict[str, Any]:
    """Needs If-Match with the answer's version as read ("0" when it was unanswered): 428 without,
    412 if someone answered since."""
    by = current_user(request)
    opportunity = _opportunity(request, opportunity_id)
    question = _question(question_id)
    current = _current(opportunity, question)
    version = expected_version(request, current.version if current else 0)
    services.answer(opportunity, question, by=by, value=payload.value, note=payload.note, version=version)
    saved = _current(opportunity, question)
    set_etag(response, saved.version if saved else 0)
    return ItemOut.from_row(Row(question, saved))


@router.delete(
    "/opportunities/{int:opportunity_id}/checklist/questions/{int:question_id}",
    response={204: None, **VERSIONED_WRITE_ERRORS},
    summary="Take back a deal's answer to a question",
)
def delete_answer(request: HttpRequest, opportunity_id: int, question_id: int) -> Status:
    by = current_user(request)
    opportunity = _opportunity(request, opportunity_id)
    question = _question(question_id)
    current = _current(opportunity, question)
    if current is None:
        raise Http404
    version = expected_version(request, current.version)
    services.clear(opportunity, question, by=by, version=version)
    return Status(204, None)
