"""The relationship score: stage × roles × levels × stances → named gaps (seeded requirements)."""

import pytest

from kam.opportunities.models import Stage
from kam.opportunities.services import set_contact_role
from kam.relationships.models import RelationshipRequirement
from kam.relationships.scoring import ChainEntry, Requirements, evaluate, score_opportunity
from kam.relationships.services import set_relationship_level
from tests.factories import ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db

DM, TA, BA, INF = "decision_maker", "technical_approver", "business_approver", "influencer"


def entry(contact_id, name, role, stance="B", level=None):
    return ChainEntry(contact_id, name, role, stance, level)


def stage(code):
    return Stage.objects.get(process__code="key-account", code=code)


@pytest.mark.parametrize(
    ("stage_code", "entries", "expected_gaps", "score"),
    [
        # Nothing is required before P2.
        ("P0", [], [], 100),
        ("P1", [entry(1, "Wang", DM, "C", 1)], [], 100),
        # P2: a decision maker must be known, at any level.
        ("P2", [], ["P2 · no Decision maker known"], 0),
        ("P2", [entry(1, "Wang", DM)], [], 100),
        # P3 adds: technical approver at CR3+, and two engaged contacts.
        (
            "P3",
            [entry(1, "Wang", DM, level=2)],
            ["P3 · no Technical approver known", "P3 · 1 contacts engaged, 2 needed"],
            33,
        ),
        (
            "P3",
            [entry(1, "Wang", DM, level=2), entry(2, "Li", TA, level=2)],
            ["P3 · Technical approver Li at CR2 (needs CR3)"],
            67,
        ),
        ("P3", [entry(1, "Wang", DM, level=1), entry(2, "Li", TA, level=3)], [], 100),
        # A person who holds two roles counts once towards "two contacts engaged".
        (
            "P3",
            [entry(1, "Wang", DM, level=3), entry(1, "Wang", TA, level=3)],
            ["P3 · 1 contacts engaged, 2 needed"],
            67,
        ),
        # An unknown level counts as not engaged.
        (
            "P3",
            [entry(1, "Wang", DM), entry(2, "Li", TA, level=3)],
            ["P3 · 1 contacts engaged, 2 needed"],
            67,
        ),
        # P4: decision maker at CR3+ and not opposing; technical approver not opposing.
        (
            "P4",
            [entry(1, "Wang", DM, level=1), entry(2, "Li", TA, level=3)],
            ["P4 · Decision maker Wang at CR1 (needs CR3)"],
            80,
        ),
        (
            "P4",
            [entry(1, "Wang", DM, "C", 4), entry(2, "Li", TA, level=3)],
            ["P4 · Decision maker Wang opposes"],
            80,
        ),
        (
            "P4",
            [entry(1, "Wang", DM, "A", 4), entry(2, "Li", TA, "C", 5)],
            ["P4 · Technical approver Li opposes"],
            80,
        ),
        # Exactly at the threshold is enough; the best of two decision makers counts.
        (
            "P4",
            [entry(1, "Wang", DM, level=1), entry(3, "Zhao", DM, level=3), entry(2, "Li", TA, level=3)],
            [],
            100,
        ),
        (
            "P5",
            [entry(1, "Wang", DM, "A", 3), entry(2, "Li", TA, "A", 3), entry(4, "Sun", BA, "B", None)],
            ["P5 · Business approver Sun at no known level (needs CR3)"],
            83,
        ),
        (
            "P7",
            [
                entry(1, "Wang", DM, "A", 5),
                entry(2, "Li", TA, "A", 4),
                entry(4, "Sun", BA, "A", 3),
                entry(5, "Qian", INF),
            ],
            [],
            100,
        ),
    ],
)
def test_relationship_score_cases(stage_code, entries, expected_gaps, score):
    result = evaluate(stage(stage_code), entries, Requirements())
    assert [gap.text for gap in result.gaps] == expected_gaps
    assert result.score == score


def test_requirements_are_data_an_admin_can_change():
    requirements = RelationshipRequirement.objects.filter(from_stage__code="P3", decision_role=TA)
    requirements.update(min_level=2)
    entries = [entry(1, "Wang", DM, level=2), entry(2, "Li", TA, level=2)]
    assert evaluate(stage("P3"), entries, Requirements()).gaps == []
    requirements.update(active=False)
    assert (
        evaluate(
            stage("P3"), [entry(1, "Wang", DM, level=2), entry(3, "Zhou", INF, level=1)], Requirements()
        ).total
        == 2
    )


def test_score_of_a_real_opportunity_uses_company_level_as_the_highest_held(django_assert_num_queries):
    opportunity = make_opportunity(stage_code="P4", name="Boiler")
    wang = ContactFactory(customer=opportunity.customer, name="Wang")
    li = ContactFactory(customer=opportunity.customer, name="Li")
    owner = opportunity.owner
    set_contact_role(opportunity, wang, by=owner, decision_role=DM, stance="A")
    set_contact_role(opportunity, li, by=owner, decision_role=TA, stance="A")
    set_relationship_level(li, owner, 3, by=owner, note="Lunch after the site visit")
    set_relationship_level(wang, owner, 1, by=owner, note="Heard of him")
    result = score_opportunity(opportunity)
    assert [g.text for g in result.gaps] == ["P4 · Decision maker Wang at CR1 (needs CR3)"]
    from tests.factories import UserFactory

    colleague = UserFactory()
    set_relationship_level(wang, colleague, 4, by=colleague, note="Old classmates")
    with django_assert_num_queries(3):
        result = score_opportunity(opportunity)
    assert result.gaps == [] and result.score == 100


def test_a_role_is_named_in_the_readers_language_and_an_unknown_one_as_stored():
    from django.utils import translation

    from kam.relationships.scoring import role_label

    with translation.override("en"):
        assert role_label(DM) == "Decision maker"
    with translation.override("zh-hans"):
        assert role_label(DM) == "拍板人"
    assert role_label("retired_role") == "retired_role"
