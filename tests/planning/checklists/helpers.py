"""Shared by the checklist tests: a deal moved to a stage without the services (no gate in the
way), and its answers written through the service."""

from __future__ import annotations

from kam.opportunities.models import Opportunity
from kam.planning.checklists import services
from kam.planning.checklists.models import ChecklistQuestion
from tests.factories import stage


def at_stage(opportunity: Opportunity, code: str) -> Opportunity:
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=stage(code))
    return Opportunity.objects.get(pk=opportunity.pk)


def questions(section: str) -> list[ChecklistQuestion]:
    return list(ChecklistQuestion.objects.filter(section__code=section).order_by("order", "id"))


def answer_all(opportunity: Opportunity, section: str, *values: str) -> None:
    """Answer the section's questions in order with `values` (the rest stay unanswered)."""
    for question, value in zip(questions(section), values, strict=False):
        services.answer(opportunity, question, by=opportunity.owner, value=value)
