"""The checklist page: sections with their completeness, answering through htmx and plain posts,
errors on the row, conflicts, print controls, visibility, the strategy panel's line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.planning.checklists.models import ChecklistAnswer
from tests.planning.checklists.helpers import answer_all, at_stage, questions

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def east(client, world):
    client.force_login(world.east_rep)
    return client


def _url(opp) -> str:
    return reverse("planning_checklists:opportunity", kwargs={"pk": opp.pk})


def _answer_url(opp, question) -> str:
    return reverse("planning_checklists:answer", kwargs={"pk": opp.pk, "question_id": question.pk})


def test_the_page_lists_the_sections_of_the_stage_and_can_be_printed(east, world):
    opp = at_stage(world.east_opp, "P5")
    page = east.get(_url(opp)).content.decode()
    for name in ("Customer strategy", "Competition strategy", "Contingency plans"):
        assert name in page
    assert "Is there a reliable information channel?" in page
    assert "0 % complete" in page
    assert "data-print" in page


def test_answering_through_htmx_updates_the_scores(east, world):
    opp = at_stage(world.east_opp, "P1")
    question = questions("customer")[0]
    response = east.post(
        _answer_url(opp, question), {f"q{question.pk}-value": "yes", f"q{question.pk}-version": "0"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="checklist-workspace">')
    assert "16 % complete" in body  # 1 of the 6 customer questions at P1
    assert ChecklistAnswer.objects.get().answered_by == world.east_rep


def test_a_missing_answer_is_shown_on_its_row(east, world):
    opp = at_stage(world.east_opp, "P1")
    question = questions("customer")[0]
    response = east.post(_answer_url(opp, question), {f"q{question.pk}-version": "0"})
    assert response.status_code == 400
    assert "Answer yes, partly or no." in response.content.decode()


def test_a_stale_answer_is_a_conflict_on_the_page(east, world):
    opp = at_stage(world.east_opp, "P1")
    answer_all(opp, "customer", "no")
    question = questions("customer")[0]
    response = east.post(
        _answer_url(opp, question), {f"q{question.pk}-value": "yes", f"q{question.pk}-version": "0"}
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert ChecklistAnswer.objects.get().value == "no"


def test_clearing_an_answer(east, world):
    opp = at_stage(world.east_opp, "P1")
    answer_all(opp, "customer", "no")
    question = questions("customer")[0]
    response = east.post(_answer_url(opp, question), {f"q{question.pk}-version": "1", "clear": "1"})
    assert response.status_code == 302
    assert not ChecklistAnswer.objects.exists()


def test_another_teams_checklist_is_not_found(east, world):
    question = questions("customer")[0]
    assert east.get(_url(world.west_opp)).status_code == 404
    response = east.post(
        _answer_url(world.west_opp, question),
        {f"q{question.pk}-value": "yes", f"q{question.pk}-version": "0"},
    )
    assert response.status_code == 404
    assert not ChecklistAnswer.objects.exists()


def test_the_strategy_panel_shows_the_completeness(east, world):
    opp = at_stage(world.east_opp, "P1")
    answer_all(opp, "customer", "yes", "yes", "yes")
    panel = east.get(reverse("planning:opportunity_panel", kwargs={"pk": opp.pk})).content.decode()
    assert _url(opp) in panel
    assert "50 % complete" in panel


def test_the_page_reads_a_fixed_number_of_queries(east, world, django_assert_max_num_queries):
    opp = at_stage(world.east_opp, "P6")
    for section in ("customer", "competition", "commercial"):
        answer_all(opp, section, *["partly"] * 6)
    with django_assert_max_num_queries(12):
        assert east.get(_url(opp)).status_code == 200


def test_the_history_shows_each_answer_before_and_after(east, world):
    opp = at_stage(world.east_opp, "P1")
    answer_all(opp, "customer", "no")
    answer_all(opp, "customer", "partly")
    page = east.get(_url(opp)).content.decode()
    assert "Answer: — → No" in page
    assert "Answer: No → Partly" in page
