"""The demo's checklists (kam.demo.planning.checklists): late-stage deals answered, the first two
weak so the health rule fires on them only, earlier deals started; all gone when deleted."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kam.demo.planning import checklists as demo_checklists
from kam.insights.health.engine import scan
from kam.opportunities.models import Opportunity
from kam.planning.checklists import selectors
from kam.planning.checklists.models import ChecklistAnswer, ChecklistChange
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(world):
    late = [
        make_opportunity(
            owner=world.east_rep, customer=world.east_customer, stage_code=code, name=f"Late {n}"
        )
        for n, code in enumerate(["P6", "P5", "P5", "P4"])
    ]
    early = make_opportunity(
        owner=world.east_rep, customer=world.east_customer, stage_code="P2", name="Early"
    )
    builder = SimpleNamespace(users={"demo_rep": world.east_rep}, today=timezone.localdate())
    demo_checklists.build(builder, random.Random(3))
    world.late, world.early = late, early
    return world


def test_late_deals_are_answered_and_two_are_weak(demo_world):
    flagged = []
    for deal in demo_world.late:
        checklist = selectors.checklist(deal)
        assert checklist.answered >= checklist.questions - 2
        flags = scan(Opportunity.objects.filter(pk=deal.pk)).get(deal.pk, [])
        weak = [f for f in flags if f["code"] == "weak_checklist"]
        if weak:
            flagged.append((deal.name, weak[0]["explanation"].split(": ", 1)[1]))
        else:
            assert all(s.percent >= 60 for s in checklist.sections)
    # The first two in the demo's order (the latest stage first), each with its weak sections.
    assert flagged == [
        ("Late 0", "Competition strategy 12 %, Contingency plans 16 %"),
        ("Late 1", "Commercial strategy 12 %"),
    ]


def test_an_earlier_deal_has_its_checklist_started(demo_world):
    checklist = selectors.checklist(demo_world.early)
    assert 0 < checklist.answered < checklist.questions


def test_delete_removes_the_answers_and_their_history(demo_world):
    deals = Opportunity.objects.filter(owner=demo_world.east_rep)
    demo_checklists.delete(None, None, deals)
    assert not ChecklistAnswer.objects.exists()
    assert not ChecklistChange.objects.exists()
