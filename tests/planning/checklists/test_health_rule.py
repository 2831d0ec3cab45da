"""The weak-strategy-checklist health rule: computed in SQL over the answers, from the stage the
administrator sets, naming the weak sections; it fires and clears as answers change."""

from __future__ import annotations

import pytest
from django.utils import translation

from kam.insights.health.engine import scan
from kam.insights.models import HealthRule, HealthScan, StoredFlag
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity
from tests.factories import stage
from tests.planning.checklists.helpers import answer_all, at_stage, questions

CODE = "weak_checklist"
ALL = ("customer", "competition", "product", "commercial", "service", "contingency")


def _weak(opportunity):
    flags = scan(Opportunity.objects.filter(pk=opportunity.pk)).get(opportunity.pk, [])
    return next((f for f in flags if f["code"] == CODE), None)


def _strong(opportunity, *except_sections):
    for section in ALL:
        if section not in except_sections:
            answer_all(opportunity, section, *["yes"] * 10)


@pytest.fixture
def late(world):
    return at_stage(world.east_opp, "P5")


def test_the_rule_is_seeded_with_its_thresholds(db):
    rule = HealthRule.objects.get(code=CODE)
    assert rule.thresholds == {"min_stage_order": 4, "min_percent": 60, "unanswered_is_weak": False}
    assert rule.active


def test_a_late_deal_with_weak_sections_is_flagged_naming_them(late):
    _strong(late, "competition", "contingency")
    answer_all(late, "competition", "yes", "partly", "no", "no")  # 1.5 of 4: 37.5 %
    answer_all(late, "contingency", "partly")  # 0.5 of 3: 16.7 %
    flag = _weak(late)
    assert flag is not None
    assert flag["explanation"] == (
        "stage is P5 but the strategy checklist is weak (below 60 %): "
        "Competition strategy 37 %, Contingency plans 16 %"
    )
    with translation.override("zh-hans"):
        assert "竞争策略 37 %" in _weak(late)["explanation"]


def test_the_minimum_is_compared_unrounded_and_the_percent_shown_floored(late):
    _strong(late, "commercial")
    # 4 questions: yes, yes, partly, no = 2.5 of 4 = 62.5 %.
    answer_all(late, "commercial", "yes", "yes", "partly", "no")
    rule = HealthRule.objects.get(code=CODE)
    rule.thresholds = {**rule.thresholds, "min_percent": 63}
    rule.save()
    assert "Commercial strategy 62 %" in _weak(late)["explanation"]
    rule.thresholds = {**rule.thresholds, "min_percent": 62}
    rule.save()
    assert _weak(late) is None


def test_an_early_deal_is_not_flagged_and_the_stage_threshold_is_data(world):
    opportunity = at_stage(world.east_opp, "P3")
    answer_all(opportunity, "customer", "no")
    assert _weak(opportunity) is None
    rule = HealthRule.objects.get(code=CODE)
    rule.thresholds = {**rule.thresholds, "min_stage_order": 3}
    rule.save()
    flag = _weak(opportunity)
    # At P3 the commercial, service and contingency questions do not apply yet.
    assert "Customer strategy 0 %" in flag["explanation"]
    assert "Commercial" not in flag["explanation"]


def test_an_unstarted_checklist_is_weak_only_when_the_administrator_says_so(late):
    assert _weak(late) is None
    rule = HealthRule.objects.get(code=CODE)
    rule.thresholds = {**rule.thresholds, "unanswered_is_weak": True}
    rule.save()
    assert _weak(late)["explanation"].count(" 0 %") == len(ALL)


def test_answering_fires_and_clears_the_stored_flag(late):
    answer_all(late, "customer", "no")
    assert StoredFlag.objects.filter(opportunity=late, rule__code=CODE).exists()
    _strong(late)  # every question answered yes, the customer section's "no" changed too
    assert not StoredFlag.objects.filter(opportunity=late, rule__code=CODE).exists()


def test_moving_the_deal_back_before_the_rules_stage_clears_the_flag(late):
    answer_all(late, "contingency", "no", "no", "no")
    assert StoredFlag.objects.filter(opportunity=late, rule__code=CODE).exists()
    opportunity_services.move_stage(late, stage("P3"), by=late.owner, note="back to design exchange")
    assert not StoredFlag.objects.filter(opportunity=late, rule__code=CODE).exists()


def test_editing_the_questions_asks_for_a_rescan(db):
    question = questions("service")[0]
    question.stages.clear()
    assert HealthScan.objects.filter(kind=HealthScan.Kind.RESCAN, state=HealthScan.State.QUEUED).count() == 1
