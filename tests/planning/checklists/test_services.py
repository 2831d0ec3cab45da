"""Answering: one answer per deal and question, versioned, with history; clearing; visibility."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from kam.core.errors import ConflictError
from kam.planning.checklists import services
from kam.planning.checklists.models import ChecklistAnswer, ChecklistChange
from tests.planning.checklists.helpers import questions


@pytest.fixture
def question(db):
    return questions("customer")[0]


def test_answering_then_changing_keeps_one_answer_and_two_history_rows(world, question):
    first = services.answer(
        world.east_opp, question, by=world.east_rep, value="partly", note="CIO only", version=0
    )
    assert first.version == 1
    services.answer(world.east_opp, question, by=world.east_mgr, value="yes", note="CIO only", version=1)
    answer = ChecklistAnswer.objects.get()
    assert (answer.value, answer.version, answer.answered_by) == ("yes", 2, world.east_mgr)
    changes = list(ChecklistChange.objects.order_by("id"))
    assert [c.action for c in changes] == ["answered", "changed"]
    assert changes[0].changes == {"value": [None, "partly"], "note": ["", "CIO only"]}
    assert changes[1].changes == {"value": ["partly", "yes"]}


def test_a_stale_answer_is_a_conflict(world, question):
    services.answer(world.east_opp, question, by=world.east_rep, value="no", version=0)
    with pytest.raises(ConflictError):
        services.answer(world.east_opp, question, by=world.east_mgr, value="yes", version=0)
    with pytest.raises(ConflictError):
        services.answer(world.east_opp, question, by=world.east_mgr, value="yes", version=5)
    assert ChecklistAnswer.objects.get().value == "no"


def test_a_bad_answer_is_refused(world, question):
    with pytest.raises(ValidationError) as caught:
        services.answer(world.east_opp, question, by=world.east_rep, value="maybe", note="x" * 2001)
    assert set(caught.value.message_dict) == {"value", "note"}
    question.is_active = False
    question.save()
    with pytest.raises(ValidationError):
        services.answer(world.east_opp, question, by=world.east_rep, value="yes")
    assert not ChecklistAnswer.objects.exists()


def test_clearing_takes_the_answer_back_with_history(world, question):
    services.answer(world.east_opp, question, by=world.east_rep, value="yes", version=0)
    with pytest.raises(ConflictError):
        services.clear(world.east_opp, question, by=world.east_rep, version=3)
    services.clear(world.east_opp, question, by=world.east_rep, version=1)
    assert not ChecklistAnswer.objects.exists()
    assert ChecklistChange.objects.order_by("-id").first().changes == {"value": ["yes", None]}


def test_a_rep_cannot_answer_for_another_teams_deal(world, question):
    with pytest.raises(Http404):
        services.answer(world.west_opp, question, by=world.east_rep, value="yes")
    assert not ChecklistAnswer.objects.exists()
