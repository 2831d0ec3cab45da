"""Decision chain and power map, the selectors: the limited org tree, approval chains, influence lines,
the four elements, score and gaps, old cycles, constant query counts."""

from __future__ import annotations

import pytest

from kam.opportunities import services
from kam.opportunities.chain import selectors as chain
from tests.factories import ContactFactory
from tests.opportunities.chain.conftest import _count, _grow

pytestmark = pytest.mark.django_db


def node_by_name(data, name):
    return next(n for n in data["nodes"] if n["name"] == name)


# --- the decision chain JSON (selector) -----------------------------------------------------------


def test_tree_is_limited_to_the_chain_and_managers_up_to_the_top(steel):
    data = chain.decision_chain(steel.opp)
    names = {n["name"] for n in data["nodes"]}
    assert names == {
        "GM Zhao",
        "Deputy GM Wang",
        "Chief Engineer Li",
        "Engineer Sun",
        "Finance Director Qian",
    }
    zhao = node_by_name(data, "GM Zhao")
    assert (
        zhao["context"] is True
        and zhao["in_chain"] is False
        and zhao["roles"] == []
        and zhao["stance"] is None
    )
    assert zhao["parent"] is None and zhao["depth"] == 0
    sun = node_by_name(data, "Engineer Sun")
    assert sun["context"] is False and sun["parent"] == steel.li.pk and sun["depth"] == 3
    wang = node_by_name(data, "Deputy GM Wang")
    assert wang["rank"] == "high" and wang["level"] == 3 and wang["level_label"] == "CR3"
    assert wang["roles"] == [{"decision_role": "decision_maker", "label": "Decision maker", "stance": "A"}]
    assert wang["stance"] == "A" and wang["influence"] == 5


def test_approval_chains_run_along_reports_to_to_the_top(steel):
    data = chain.decision_chain(steel.opp)
    assert data["technical_chain"] == [[steel.li.pk, steel.wang.pk, steel.zhao.pk]]
    assert data["business_chain"] == [[steel.qian.pk, steel.zhao.pk]]
    edges = {(e["source"], e["target"]): e["chains"] for e in data["reports_to"]}
    assert edges == {
        (steel.zhao.pk, steel.wang.pk): ["technical"],
        (steel.wang.pk, steel.li.pk): ["technical"],
        (steel.li.pk, steel.sun.pk): [],
        (steel.zhao.pk, steel.qian.pk): ["business"],
    }


def test_influence_lines_only_between_people_in_the_tree(steel):
    lines = chain.decision_chain(steel.opp)["influence_lines"]
    assert lines == [{"source": steel.sun.pk, "target": steel.wang.pk, "note": "Wang trusts Sun's reports"}]


def test_four_elements_are_on_top(steel):
    elements = chain.decision_chain(steel.opp)["opportunity"]
    assert elements["name"] == "Blast furnace upgrade"
    assert elements["stage"]["code"] == "P4"
    assert elements["amount_display"] == "¥1,000,000.00"
    assert elements["sign_date_display"] == "2027-03-31"


def test_score_is_full_when_every_requirement_is_met(steel):
    score = chain.decision_chain(steel.opp)["relationship_score"]
    assert score["score"] == 100 and score["gaps"] == [] and score["total"] == 5


def test_opposing_decision_maker_becomes_a_named_gap(steel, world):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    score = chain.decision_chain(steel.opp)["relationship_score"]
    assert [g["text"] for g in score["gaps"]] == ["P4 · Decision maker Deputy GM Wang opposes"]
    assert score["score"] == 80
    assert node_by_name(chain.decision_chain(steel.opp), "Deputy GM Wang")["stance"] == "C"


def test_person_with_several_roles_shows_the_most_negative_stance(steel, world):
    services.set_contact_role(steel.opp, steel.li, by=world.east_rep, decision_role="influencer", stance="C")
    li = node_by_name(chain.decision_chain(steel.opp), "Chief Engineer Li")
    assert {r["decision_role"] for r in li["roles"]} == {"technical_approver", "influencer"}
    assert li["stance"] == "C"


def test_reports_to_cycle_in_old_data_does_not_hang_the_tree(steel):
    # The service refuses cycles; imported data might still hold one.
    type(steel.zhao).objects.filter(pk=steel.zhao.pk).update(reports_to=steel.sun)
    data = chain.decision_chain(steel.opp)
    assert {n["id"] for n in data["nodes"]} >= {steel.wang.pk, steel.sun.pk}


@pytest.mark.parametrize("builder", [chain.decision_chain, chain.power_map])
def test_chain_queries_are_constant_in_the_number_of_contacts(world, steel, builder):
    from kam.relationships.models import RelationshipPolicy

    RelationshipPolicy.current()  # read once per request; not part of what grows with contacts
    small = _count(lambda: builder(steel.opp))
    _grow(world, steel, 25)
    large = _count(lambda: builder(steel.opp))
    assert large == small
    assert small <= 6


# --- power map -------------------------------------------------------------------------------------


def test_power_map_places_people_by_stance_and_influence(steel, world):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    data = chain.power_map(steel.opp)
    people = {p["name"]: p for p in data["people"]}
    assert set(people) == {"Deputy GM Wang", "Chief Engineer Li", "Engineer Sun", "Finance Director Qian"}
    wang, li, sun, qian = (
        people[n] for n in ("Deputy GM Wang", "Chief Engineer Li", "Engineer Sun", "Finance Director Qian")
    )
    assert wang["x"] == -1.0 and wang["y"] == 5
    assert li["x"] == 1.0 and li["y"] == 4
    assert sun["x"] == 0.0 and sun["y"] == 2
    assert qian["x"] == 0.0 and qian["y"] == 4
    assert wang["symbol_size"] > li["symbol_size"] > sun["symbol_size"]
    assert [w["name"] for w in data["watch_list"]] == ["Deputy GM Wang", "Finance Director Qian"]
    assert "opposes us with influence 5/5" in data["watch_list"][0]["text"]
    assert "is neutral with influence 4/5" in data["watch_list"][1]["text"]


def test_power_map_spreads_people_sharing_a_spot(steel, world):
    for i in range(3):
        person = ContactFactory(customer=steel.opp.customer, name=f"Neutral {i}", influence=2)
        services.set_contact_role(steel.opp, person, by=world.east_rep, decision_role="user", stance="B")
    spot = [p["x"] for p in chain.power_map(steel.opp)["people"] if p["y"] == 2]
    assert len(spot) == 4 and len(set(spot)) == 4
    assert all(-0.5 < x < 0.5 for x in spot)
