"""The relationship look-ahead: the next stage's requirements as "upcoming", a weak or opposing
decision maker while the sign date is near (whatever the stage), and a decision chain covered on
one side only. None of it changes the score."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.opportunities.models import Opportunity, OpportunityStatus, Stage
from kam.relationships.models import DECISION_ROLE_SIDES, DecisionRole, RelationshipPolicy
from kam.relationships.scoring import ChainEntry, Requirements, evaluate, look_ahead, one_side

pytestmark = pytest.mark.django_db

DM, TA, BA, INF, USER = "decision_maker", "technical_approver", "business_approver", "influencer", "user"
TODAY = dt.date(2027, 1, 10)


def entry(contact_id, name, role, stance="B", level=None):
    return ChainEntry(contact_id, name, role, stance, level)


def deal(code, *, sign_in_days=365, status=OpportunityStatus.OPEN):
    stage = Stage.objects.get(process__code="key-account", code=code)
    return Opportunity(stage=stage, status=status, sign_date=TODAY + dt.timedelta(days=sign_in_days))


def ahead(opportunity, entries, **kwargs):
    return look_ahead(opportunity, entries, Requirements(), today=TODAY, **kwargs)


# --- upcoming: the next stage's requirements ---------------------------------------------------------


def test_the_next_stages_requirements_are_listed_as_upcoming_with_what_is_missing():
    entries = [entry(1, "Wang", DM, level=2)]
    result = ahead(deal("P2"), entries)
    assert result.next_stage_code == "P3"
    assert result.upcoming_total == 2  # P3: technical approver at CR3, two engaged contacts
    assert [g.text for g in result.upcoming] == [
        "P3 · no Technical approver known",
        "P3 · 1 contacts engaged, 2 needed",
    ]
    # The score itself still reads the current stage only.
    assert evaluate(deal("P2").stage, entries, Requirements()).score == 100


def test_upcoming_requirements_already_met_are_counted_not_listed():
    entries = [entry(1, "Wang", DM, level=2), entry(2, "Li", TA, level=3)]
    result = ahead(deal("P2"), entries)
    assert result.upcoming == []
    assert (result.upcoming_met, result.upcoming_total) == (2, 2)


def test_upcoming_names_an_opponent_the_next_stage_will_not_accept():
    entries = [entry(1, "Wang", DM, "C", 4), entry(2, "Li", TA, level=4)]
    result = ahead(deal("P3"), entries)
    assert result.next_stage_code == "P4"
    assert "P4 · Decision maker Wang opposes" in [g.text for g in result.upcoming]


def test_a_next_stage_without_requirements_has_nothing_upcoming():
    result = ahead(deal("P0"), [])
    assert result.next_stage_code == "P1"
    assert (result.upcoming_total, result.upcoming) == (0, [])


def test_a_requirement_an_administrator_switches_off_is_not_upcoming():
    from kam.relationships.models import RelationshipRequirement

    RelationshipRequirement.objects.filter(from_stage__code="P3", decision_role=TA).update(active=False)
    result = ahead(deal("P2"), [entry(1, "Wang", DM, level=1)])
    assert [g.text for g in result.upcoming] == ["P3 · 1 contacts engaged, 2 needed"]


def test_a_closed_deal_looks_ahead_at_nothing():
    result = ahead(deal("P2", sign_in_days=5, status=OpportunityStatus.LOST), [entry(1, "Wang", DM, "C", 1)])
    assert not result.has_findings
    assert result.next_stage_code == ""


# --- the sign date near ------------------------------------------------------------------------------


def test_a_weak_decision_maker_is_named_when_the_sign_date_is_near_even_at_an_early_stage():
    result = ahead(deal("P1", sign_in_days=30), [entry(1, "Wang", DM, level=2)])
    assert result.sign_near == ["Sign date in 30 days · decision maker Wang at CR2 (weak: needs CR3)"]


def test_an_opposing_decision_maker_is_named_when_the_sign_date_is_near():
    result = ahead(deal("P2", sign_in_days=10), [entry(1, "Wang", DM, "C", 4)])
    assert result.sign_near == ["Sign date in 10 days · decision maker Wang opposes"]


def test_a_strong_supporting_decision_maker_is_not_named():
    result = ahead(deal("P2", sign_in_days=10), [entry(1, "Wang", DM, "A", 3)])
    assert result.sign_near == []


def test_no_decision_maker_known_is_named_when_the_sign_date_is_near():
    result = ahead(deal("P1", sign_in_days=59), [entry(2, "Li", TA, level=4)])
    assert result.sign_near == ["Sign date in 59 days · no decision maker known"]


def test_a_sign_date_already_passed_counts_as_near():
    result = ahead(deal("P1", sign_in_days=-5), [entry(1, "Wang", DM, level=1)])
    assert result.sign_near == ["Sign date passed 5 days ago · decision maker Wang at CR1 (weak: needs CR3)"]


def test_a_far_sign_date_names_nobody():
    result = ahead(deal("P1", sign_in_days=61), [entry(1, "Wang", DM, "C", 1)])
    assert result.sign_near == []


def test_how_near_is_near_and_what_is_weak_are_the_policys_data():
    policy = RelationshipPolicy.current()
    policy.sign_near_days = 120
    policy.strong_level = 4
    policy.save()
    result = ahead(deal("P1", sign_in_days=100), [entry(1, "Wang", DM, level=3)])
    assert result.sign_near == ["Sign date in 100 days · decision maker Wang at CR3 (weak: needs CR4)"]


def test_from_the_stage_whose_requirements_name_the_decision_maker_the_look_ahead_says_it_no_more():
    entries = [entry(1, "Wang", DM, level=1), entry(2, "Li", TA, level=3)]
    result = ahead(deal("P4", sign_in_days=10), entries)
    assert result.sign_near == []
    gaps = evaluate(deal("P4").stage, entries, Requirements()).gaps
    assert "P4 · Decision maker Wang at CR1 (needs CR3)" in [g.text for g in gaps]


# --- one side only -----------------------------------------------------------------------------------


def test_the_sides_of_the_decision_come_from_the_decision_roles():
    assert DECISION_ROLE_SIDES[DecisionRole.TECHNICAL_APPROVER] == "technical"
    assert DECISION_ROLE_SIDES[DecisionRole.USER] == "technical"
    assert DECISION_ROLE_SIDES[DecisionRole.BUSINESS_APPROVER] == "business"
    assert DECISION_ROLE_SIDES[DecisionRole.DECISION_MAKER] == "business"
    assert DecisionRole.INFLUENCER not in DECISION_ROLE_SIDES
    assert DecisionRole.COACH not in DECISION_ROLE_SIDES


def test_technical_but_not_business_is_called_out_naming_the_weak_business_side():
    entries = [entry(1, "Li", TA, level=4), entry(2, "Zhao", USER, level=3), entry(3, "Wang", DM, level=2)]
    side = one_side(entries, 3)
    assert (side.covered, side.missing) == ("technical", "business")
    assert side.text == (
        "Our relationships cover only the technical side of the decision chain (Li, Zhao at CR3 or better); "
        "on the business side nobody is known that well: Wang (Decision maker, CR2)."
    )


def test_business_but_not_technical_is_called_out_when_nobody_technical_is_known():
    side = one_side([entry(1, "Wang", DM, level=4), entry(2, "Sun", BA, level=3)], 3)
    assert (side.covered, side.missing) == ("business", "technical")
    assert "nobody on the technical side is known yet" in side.text


@pytest.mark.parametrize(
    "entries",
    [
        [entry(1, "Li", TA, level=3), entry(3, "Wang", DM, level=3)],  # both sides covered
        [entry(1, "Li", TA, level=2), entry(3, "Wang", DM, level=1)],  # neither: the gaps say so
        [entry(1, "Li", INF, level=5), entry(3, "Wang", DM, level=1)],  # an influencer is on no side
        [],
    ],
)
def test_no_call_out_unless_exactly_one_side_is_covered(entries):
    assert one_side(entries, 3) is None


def test_the_look_ahead_carries_the_one_side_call_out():
    result = ahead(deal("P3"), [entry(1, "Li", TA, level=4), entry(3, "Wang", DM, level=1)])
    assert result.one_side is not None and result.one_side.covered == "technical"
    assert result.has_findings
