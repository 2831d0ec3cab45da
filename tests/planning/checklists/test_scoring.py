"""Completeness: yes 1, partly ½, no or unanswered 0, over the questions that apply at the deal's
stage; per section and in all."""

from __future__ import annotations

from kam.planning.checklists import selectors
from kam.planning.checklists.models import ChecklistQuestion, ChecklistSection
from tests.factories import stage
from tests.planning.checklists.helpers import answer_all, at_stage, questions


def _section(checklist, code):
    return next(s for s in checklist.sections if s.section.code == code)


def test_yes_partly_and_no_score_one_half_and_nothing(world):
    opp = at_stage(world.east_opp, "P5")
    answer_all(opp, "customer", "yes", "partly", "no", "yes")  # 2.5 of 6 questions
    customer = _section(selectors.checklist(opp), "customer")
    assert (customer.questions, customer.answered, customer.half_points) == (6, 4, 5)
    assert customer.percent == 41  # 2.5 / 6 = 41.7 %, floored


def test_the_seeded_questions_apply_from_their_stages(world):
    early = selectors.checklist(at_stage(world.east_opp, "P1"))
    assert [s.section.code for s in early.sections] == ["customer"]
    assert early.other_stage_questions == ChecklistQuestion.objects.count() - 6
    mid = selectors.checklist(at_stage(world.east_opp, "P3"))
    assert [s.section.code for s in mid.sections] == ["customer", "competition", "product"]
    late = selectors.checklist(at_stage(world.east_opp, "P6"))
    assert [s.section.code for s in late.sections] == [
        "customer",
        "competition",
        "product",
        "commercial",
        "service",
        "contingency",
    ]
    assert late.other_stage_questions == 0


def test_a_question_tied_to_one_stage_counts_there_only(world):
    section = ChecklistSection.objects.get(code="customer")
    only_p2 = ChecklistQuestion.objects.create(section=section, text="仅P2", text_en="Only at P2", order=99)
    only_p2.stages.set([stage("P2")])
    assert _section(selectors.checklist(at_stage(world.east_opp, "P2")), "customer").questions == 7
    assert _section(selectors.checklist(at_stage(world.east_opp, "P1")), "customer").questions == 6


def test_inactive_questions_and_sections_do_not_count(world):
    opp = at_stage(world.east_opp, "P5")
    first = questions("customer")[0]
    first.is_active = False
    first.save()
    ChecklistSection.objects.filter(code="service").update(is_active=False)
    checklist = selectors.checklist(opp)
    assert _section(checklist, "customer").questions == 5
    assert "service" not in [s.section.code for s in checklist.sections]


def test_overall_completeness_and_the_panel_line_agree(world, django_assert_num_queries):
    opp = at_stage(world.east_opp, "P5")
    assert selectors.state(opp, world.east_rep) == "not started"
    answer_all(opp, "customer", *["yes"] * 6)
    answer_all(opp, "competition", "partly", "partly")
    checklist = selectors.checklist(opp)
    total = checklist.questions
    assert checklist.percent == (12 + 2) * 50 // total
    with django_assert_num_queries(1):
        line = selectors.state(opp, world.east_rep)
    assert line == f"{checklist.percent} % complete · lowest: Product strategy 0 %"
    points, questions_, answered = selectors.completeness(opp)
    assert (points, questions_, answered) == (14, total, 8)
    for section in ("product", "commercial", "service", "contingency"):
        answer_all(opp, section, *["yes"] * 6)
    answer_all(opp, "competition", *["yes"] * 6)
    assert selectors.state(opp, world.east_rep) == "100 % complete"
