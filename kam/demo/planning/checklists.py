"""The demo's strategy checklists: the open deals from the weak-checklist rule's stage on (P4 by
default), the latest first, get their checklist answered by their owners: most well (every section
at or above the rule's minimum), the first two weak in two sections, so the health rule fires on
them and names those sections. A few earlier deals have their checklist started."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from kam.insights.models import HealthRule
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.checklists import services
from kam.planning.checklists.models import AnswerValue, ChecklistAnswer, ChecklistChange, ChecklistQuestion

if TYPE_CHECKING:
    from django.db.models import QuerySet

LATE_DEALS = 12
EARLY_DEALS = 4
# The weak deals in turn, each with the sections it leaves weak.
WEAK_SECTIONS = (("competition", "contingency"), ("commercial",))

NOTES = {
    AnswerValue.YES: [
        "已在上次高层拜访中确认 / Confirmed at the last executive visit",
        "有书面记录 / In writing",
        "支持者主动提供 / Our supporter offered it",
    ],
    AnswerValue.PARTLY: [
        "只覆盖技术层面 / Only on the technical side",
        "需要下周再确认 / To be confirmed next week",
        "口头表态，尚无行动 / Said so, nothing done yet",
    ],
    AnswerValue.NO: [
        "尚无渠道 / No channel yet",
        "下次拜访时补上 / To cover at the next visit",
    ],
}


def _strong(rng: random.Random) -> str:
    return AnswerValue.YES if rng.random() < 0.8 else AnswerValue.PARTLY


def _answer_deal(
    deal: Opportunity, questions: list[ChecklistQuestion], rng: random.Random, *, weak: tuple[str, ...]
) -> None:
    by_section: dict[str, list[ChecklistQuestion]] = {}
    for question in questions:
        by_section.setdefault(question.section.code, []).append(question)
    for code, items in by_section.items():
        for position, question in enumerate(items):
            if code in weak:
                # At most one partial answer, the rest no or left open: well below any sensible minimum.
                if position == len(items) - 1:
                    continue
                value = AnswerValue.PARTLY if position == 0 else AnswerValue.NO
            else:
                # One partly per section at most keeps a section of three at 83 % and up.
                value = AnswerValue.PARTLY if position == 1 and rng.random() < 0.5 else AnswerValue.YES
            note = rng.choice(NOTES[AnswerValue(value)]) if rng.random() < 0.3 else ""
            services.answer(deal, question, by=deal.owner, value=value, note=note)


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    rule = HealthRule.objects.filter(code="weak_checklist").first()
    min_order = int((rule.thresholds if rule else {}).get("min_stage_order", 4))
    users = list(builder.users.values())
    open_deals = Opportunity.objects.filter(owner__in=users, status=OpportunityStatus.OPEN).select_related(
        "owner", "stage"
    )
    late = list(open_deals.filter(stage__order__gte=min_order).order_by("-stage__order", "pk")[:LATE_DEALS])
    early = list(
        open_deals.filter(stage__order__lt=min_order, stage__order__gte=1).order_by("-stage__order", "pk")
    )
    for position, deal in enumerate(late):
        questions = list(ChecklistQuestion.objects.applicable(deal.stage_id).select_related("section"))
        _answer_deal(
            deal, questions, rng, weak=WEAK_SECTIONS[position] if position < len(WEAK_SECTIONS) else ()
        )
    for deal in early[:EARLY_DEALS]:
        questions = list(ChecklistQuestion.objects.applicable(deal.stage_id).select_related("section"))
        # Started: the first questions of each section, the rest still open.
        for question in questions:
            if question.order < 2:
                services.answer(deal, question, by=deal.owner, value=_strong(rng))


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    ChecklistChange.objects.filter(opportunity__in=deals).delete()
    ChecklistAnswer.objects.filter(opportunity__in=deals).delete()
