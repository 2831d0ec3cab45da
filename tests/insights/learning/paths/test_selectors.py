"""Approach paths on constructed cases: which people are targets, the edges a path may take, the
ranking, visibility of the group's records, and the bounded number of queries."""

from __future__ import annotations

import pytest
from django.utils import translation

from kam.insights.learning.paths.selectors import approach_paths
from kam.opportunities import services
from kam.relationships.services import add_influence
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity
from tests.insights.learning.paths.conftest import know

pytestmark = pytest.mark.django_db


def texts(deal, index=0):
    return [path.text for path in deal.targets[index].paths]


def test_reporting_line_path_reads_as_on_the_decision_chain(world, plant):
    deal = approach_paths(world.east_rep, plant.opp)
    [target] = deal.targets
    assert target.contact == plant.wang and target.level is None and target.reasons == ["weak"]
    [path] = target.paths
    assert path.text == "Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang"
    assert path.percent == 56 and path.hops == 2 and path.user == plant.yang


def test_path_in_chinese(world, plant):
    plant.yang.name, plant.xu.name, plant.wang.name = "杨帆", "许晓峰", "王总"
    plant.yang.save()
    plant.xu.save()
    plant.wang.save()
    with translation.override("zh-hans"):
        assert texts(approach_paths(world.east_rep, plant.opp)) == ["杨帆 → 许晓峰 (CR4, 汇报给) → 王总"]


def test_direct_relationship_beats_two_hops(world, plant):
    # Wang opposes us although Li knows him well: a direct line to an opponent is still the first path.
    services.set_contact_role(
        plant.opp, plant.wang, by=plant.owner, decision_role="decision_maker", stance="C"
    )
    li = UserFactory(username="liming", name="Li Ming", team=world.east)
    know(plant.wang, li, 4)
    [target] = approach_paths(world.east_rep, plant.opp).targets
    assert target.reasons == ["opposed"] and target.level == 4
    assert [p.text for p in target.paths] == [
        "Li Ming → GM Wang (CR4)",
        "Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang",
    ]


def test_strong_supporting_decision_maker_is_no_target(world, plant):
    know(plant.wang, plant.yang, 3)
    weak_influencer = ContactFactory(customer=plant.customer, name="Clerk Zhou")
    services.set_contact_role(
        plant.opp, weak_influencer, by=plant.owner, decision_role="influencer", stance="C"
    )
    assert approach_paths(world.east_rep, plant.opp).targets == []


def test_manager_path_and_influence_line_path(world, plant):
    tech = ContactFactory(customer=plant.customer, name="Chief Engineer Li", reports_to=plant.xu)
    services.set_contact_role(plant.opp, tech, by=plant.owner, decision_role="technical_approver", stance="B")
    sun = ContactFactory(customer=plant.customer, name="Engineer Sun")
    add_influence(sun, tech, by=plant.owner, note="Li trusts Sun's reports")
    know(sun, world.east_rep2, 3)
    deal = approach_paths(world.east_rep, plant.opp)
    assert [t.contact for t in deal.targets] == [plant.wang, tech]  # the decision maker first
    east_rep2 = world.east_rep2.get_full_name()
    assert texts(deal, 1) == [
        "Yang Fan → Xu Xiaofeng (CR4, manages) → Chief Engineer Li",  # 0.8 × 0.7
        f"{east_rep2} → Engineer Sun (CR3, sways) → Chief Engineer Li",  # 0.6 × 0.8
    ]
    assert [p.percent for p in deal.targets[1].paths] == [56, 48]


def test_influence_line_only_from_the_one_who_sways(world, plant):
    # Wang sways Sun: knowing Sun is no way to Wang.
    lonely = ContactFactory(customer=plant.customer, name="Director Qian")
    services.set_contact_role(
        plant.opp, lonely, by=plant.owner, decision_role="business_approver", stance="B"
    )
    sun = ContactFactory(customer=plant.customer, name="Engineer Sun")
    add_influence(lonely, sun, by=plant.owner)
    know(sun, plant.yang, 5)
    [_wang, qian] = approach_paths(world.east_rep, plant.opp).targets
    assert qian.paths == []
    assert qian.no_path_text.startswith("No path from our side to Director Qian")


def test_another_deals_chain_at_the_same_customer(world, plant):
    coke = make_opportunity(owner=plant.owner, customer=plant.customer, name="Coke oven")
    sun = ContactFactory(customer=plant.customer, name="Engineer Sun")
    services.set_contact_role(coke, sun, by=plant.owner, decision_role="user", stance="A")
    services.set_contact_role(coke, plant.wang, by=plant.owner, decision_role="decision_maker", stance="B")
    know(sun, world.east_rep, 3)
    assert texts(approach_paths(world.east_rep, plant.opp)) == [
        "Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang",
        f"{world.east_rep.get_full_name()} → Engineer Sun (CR3, with them on the decision chain of Coke oven) → GM Wang",
    ]


def test_a_deal_the_user_may_not_see_is_not_named(world, plant):
    hidden = make_opportunity(owner=world.west_rep, customer=plant.customer, name="Secret sinter plant")
    sun = ContactFactory(customer=plant.customer, name="Engineer Sun")
    services.set_contact_role(hidden, sun, by=world.west_rep, decision_role="user", stance="A")
    services.set_contact_role(hidden, plant.wang, by=world.west_rep, decision_role="decision_maker")
    know(sun, world.east_rep, 3)
    paths = texts(approach_paths(world.east_rep, plant.opp))
    assert (
        f"{world.east_rep.get_full_name()} → Engineer Sun (CR3, with them on another deal's decision chain) → GM Wang"
        in paths
    )
    assert not any("Secret" in text for text in paths)
    # The director sees every deal, so reads its name.
    assert any("Secret sinter plant" in text for text in texts(approach_paths(world.director, plant.opp)))


def _group(world, plant, parent_owner):
    """The plant belongs to a group; the group's CFO Chen is on the books of both, and manages Wang."""
    parent = CustomerFactory(name="Steel Group", owner=parent_owner)
    plant.customer.parent = parent
    plant.customer.save()
    chen_here = ContactFactory(customer=plant.customer, name="CFO Chen", mobile="13800000001")
    plant.wang.reports_to = chen_here
    plant.wang.save()
    chen_group = ContactFactory(customer=parent, name="CFO Chen", mobile="13800000001")
    liu = ContactFactory(customer=parent, name="Group CIO Liu")
    erp = make_opportunity(owner=parent_owner, customer=parent, name="Group ERP")
    services.set_contact_role(erp, liu, by=parent_owner, decision_role="technical_approver")
    services.set_contact_role(erp, chen_group, by=parent_owner, decision_role="decision_maker")
    seller = UserFactory(username="zhangwei", name="Zhang Wei", team=world.east)
    know(liu, seller, 4)
    return parent


def test_another_deals_chain_in_the_group_through_the_same_person(world, plant):
    _group(world, plant, world.east_rep)
    paths = texts(approach_paths(world.east_rep, plant.opp))
    assert (
        "Zhang Wei → Group CIO Liu (CR4, with them on the decision chain of Group ERP) → "
        "CFO Chen (the same person at East Steel) → CFO Chen (manages) → GM Wang"
    ) in paths


def test_group_contacts_the_user_may_not_see_are_left_out(world, plant):
    _group(world, plant, world.west_rep)
    paths = texts(approach_paths(world.east_rep, plant.opp))
    assert paths and not any("Liu" in text for text in paths)
    assert any("Group CIO Liu" in text for text in texts(approach_paths(world.director, plant.opp)))


def test_ranked_by_strength_at_most_three(world, plant):
    for username, level in (("a", 5), ("b", 2), ("c", 3)):
        know(plant.xu, UserFactory(username=username, name=f"Rep {username.upper()}", team=world.east), level)
    [target] = approach_paths(world.east_rep, plant.opp).targets
    assert [(p.user.username, p.percent) for p in target.paths] == [("a", 70), ("yangfan", 56), ("c", 42)]


def test_weakest_link_breaks_a_tie_in_strength(world, plant):
    # 0.4 × 1.0 (same person) versus 0.8 × 0.5 (shared chain): equal products, the weaker link loses.
    coke = make_opportunity(owner=plant.owner, customer=plant.customer, name="Coke oven")
    sun = ContactFactory(customer=plant.customer, name="Engineer Sun")
    services.set_contact_role(coke, sun, by=plant.owner, decision_role="user")
    services.set_contact_role(coke, plant.wang, by=plant.owner, decision_role="decision_maker")
    plant.xu.reports_to = None
    plant.xu.save()
    know(sun, plant.yang, 4)
    know(plant.wang, world.east_rep2, 2)
    [target] = approach_paths(world.east_rep, plant.opp).targets
    assert [(p.percent, p.weakest_link) for p in target.paths] == [(40, 0.5), (40, 0.4)]


def _grow(world, plant, n):
    for i in range(n):
        person = ContactFactory(customer=plant.customer, name=f"Staff {i}", reports_to=plant.xu)
        know(person, UserFactory(username=f"seller{i}", team=world.east), 1 + i % 5)
        add_influence(person, plant.wang, by=plant.owner)
        deal = make_opportunity(owner=plant.owner, customer=plant.customer, name=f"Deal {i}")
        services.set_contact_role(deal, person, by=plant.owner, decision_role="user")
        target = ContactFactory(customer=plant.customer, name=f"Approver {i}", reports_to=person)
        services.set_contact_role(plant.opp, target, by=plant.owner, decision_role="business_approver")


@pytest.mark.parametrize("viewer", ["east_rep", "director"])
def test_graph_read_with_a_fixed_number_of_queries(world, plant, viewer, django_assert_num_queries):
    user = getattr(world, viewer)
    from kam.relationships.models import RelationshipPolicy

    RelationshipPolicy.current()
    with django_assert_num_queries(5):
        small = approach_paths(user, plant.opp)
    _grow(world, plant, 6)
    with django_assert_num_queries(5):
        large = approach_paths(user, plant.opp)
    assert len(small.targets) == 1 and len(large.targets) == 7
    assert all(len(t.paths) == 3 for t in large.targets)


def test_nobody_who_opposes_us_on_the_deal_is_asked_to_introduce_us(world, plant):
    services.set_contact_role(plant.opp, plant.xu, by=plant.owner, decision_role="influencer", stance="C")
    [target] = approach_paths(world.east_rep, plant.opp).targets
    assert target.contact == plant.wang and target.paths == []


def test_someone_who_left_counts_for_the_level_but_takes_no_path(world, plant):
    services.set_contact_role(
        plant.opp, plant.wang, by=plant.owner, decision_role="decision_maker", stance="C"
    )
    gone = UserFactory(username="gone", name="Former Rep", team=world.east)
    know(plant.wang, gone, 5)
    gone.is_active = False
    gone.save()
    [target] = approach_paths(world.east_rep, plant.opp).targets
    assert target.level == 5 and [p.user for p in target.paths] == [plant.yang]
