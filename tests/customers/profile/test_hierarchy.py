"""Group roll-ups of the 360° page: each level's figures for who may see them, the parent chain, the
subsidiaries, cycles and depth, and the profile section that shows them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.customers import services as customer_services
from kam.customers.models import Customer
from kam.customers.profile import hierarchy
from tests.customers.profile.conftest import D, bulk_opportunities, count_queries, get_section
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

# --- the group: three levels, one subsidiary of another team ---------------------------------------


def figures(rollup):
    return (rollup.open_count, rollup.open_amount, rollup.weighted, rollup.won_12m)


def test_group_rollup_for_a_rep_counts_only_the_deals_they_may_see(world, group):
    result = hierarchy.group_rollup(world.east_rep, group["root"])
    assert [(n.name, n.display_depth) for n in result.rows] == [
        ("Root Group", 0),
        ("Sub Holding", 1),
        ("Plant Three", 2),
        ("Ningbo Plant", 1),  # under a subsidiary the rep cannot open: hung under the root
    ]
    assert [n.display_parent_id for n in result.rows] == [
        None,
        group["root"].pk,
        group["sub"].pk,
        group["root"].pk,
    ]
    own = {n.name: figures(n.own) for n in result.rows}
    assert own == {
        "Root Group": (1, D("1000000.00"), D("500000.00"), D("300000.00")),
        "Sub Holding": (2, D("600000.00"), D("120000.00"), D("0.00")),
        "Plant Three": (1, D("100000.00"), D("90000.00"), D("200000.00")),
        "Ningbo Plant": (1, D("50000.00"), D("15000.00"), D("0.00")),
    }
    sub = next(n for n in result.rows if n.name == "Sub Holding")
    assert figures(sub.subtree) == (3, D("700000.00"), D("210000.00"), D("200000.00"))
    assert result.hidden_count == 2
    assert figures(result.hidden) == (0, D("0.00"), D("0.00"), D("0.00"))
    assert figures(result.total) == (5, D("1750000.00"), D("725000.00"), D("500000.00"))


def test_group_rollup_for_the_director_includes_the_other_teams_subsidiary(world, group):
    result = hierarchy.group_rollup(world.director, group["root"])
    assert result.hidden_count == 0
    assert [n.name for n in result.rows] == [
        "Root Group",
        "Sub Holding",
        "Plant Three",
        "West Sub",
        "Ningbo Plant",
        "West Plant",
    ]
    west_sub = next(n for n in result.rows if n.name == "West Sub")
    assert figures(west_sub.own) == (1, D("2000000.00"), D("1500000.00"), D("500000.00"))
    assert figures(west_sub.subtree) == (3, D("2150000.00"), D("1535000.00"), D("500000.00"))
    assert figures(result.total) == (7, D("3850000.00"), D("2245000.00"), D("1000000.00"))


def test_group_rollup_of_a_subsidiary_covers_only_its_own_subtree(world, group):
    result = hierarchy.group_rollup(world.east_rep, group["sub"])
    assert [n.name for n in result.rows] == ["Sub Holding", "Plant Three"]
    assert figures(result.total) == (3, D("700000.00"), D("210000.00"), D("200000.00"))
    chain = hierarchy.parent_chain(world.east_rep, group["plant"])
    assert [(link.name, link.visible) for link in chain] == [("Root Group", True), ("Sub Holding", True)]


def test_manager_sees_deals_of_a_hidden_subsidiary_as_an_unnamed_row(world, group):
    # An east rep's deal at the west subsidiary: the east manager sees the deal, not the customer.
    make_opportunity(
        owner=world.east_rep2, customer=group["west_sub"], stage_code="P4", amount=D("80000"), name="Cross"
    )
    result = hierarchy.group_rollup(world.east_mgr, group["root"])
    assert "West Sub" not in [n.name for n in result.rows]
    assert figures(result.hidden) == (1, D("80000.00"), D("40000.00"), D("0.00"))
    assert result.total.open_count == 6


def test_profile_section_shows_profile_chain_subsidiaries_and_rollups(client, world, group):
    customer = group["sub"]
    customer_services.update_customer(
        customer,
        by=world.east_rep,
        version=customer.version,
        annual_revenue=D("88000000"),
        employees=1200,
        category_purchases=D("3000000"),
    )
    client.force_login(world.east_rep)
    response = get_section(client, "profile_section", customer)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body  # htmx gets the fragment
    assert "Annual purchases of our category" in body and "¥3,000,000.00" in body
    assert "¥88,000,000.00" in body and "1200" in body
    assert reverse("customers:detail", args=[group["root"].pk]) in body  # the visible parent, linked
    assert reverse("customers:detail", args=[group["plant"].pk]) in body
    assert "¥700,000.00" in body and "¥210,000.00" in body  # the subtree's totals
    # On its own (no JavaScript) it is a page of its own.
    page = get_section(client, "profile_section", customer, htmx=False)
    assert b"<html" in page.content and b"Sub Holding" in page.content


def test_profile_section_hides_subsidiaries_of_another_team(client, world, group):
    client.force_login(world.east_rep)
    body = get_section(client, "profile_section", group["root"]).content.decode()
    assert "West Sub" not in body and "West Plant" not in body
    assert "2 subsidiaries you cannot open" in body
    assert "¥1,750,000.00" in body and "¥725,000.00" in body and "¥500,000.00" in body
    client.force_login(world.director)
    body = get_section(client, "profile_section", group["root"]).content.decode()
    assert "West Sub" in body and "¥3,850,000.00" in body and "¥2,245,000.00" in body


def test_parent_chain_names_an_invisible_parent_without_a_link(client, world):
    top = CustomerFactory(name="West Holding", owner=world.west_rep)
    customer_services.update_customer(world.east_customer, by=world.east_rep, version=1, parent=top)
    client.force_login(world.east_rep)
    body = get_section(client, "profile_section", world.east_customer).content.decode()
    assert "West Holding" in body
    assert reverse("customers:detail", args=[top.pk]) not in body


def test_a_parent_cycle_does_not_loop(client, world):
    a = CustomerFactory(name="Cycle A", owner=world.east_rep)
    b = CustomerFactory(name="Cycle B", owner=world.east_rep, parent=a)
    c = CustomerFactory(name="Cycle C", owner=world.east_rep, parent=b)
    # Written around the services (they refuse cycles), as a bad import or the admin could.
    Customer.objects.filter(pk=a.pk).update(parent=c)
    a.refresh_from_db()
    make_opportunity(owner=world.east_rep, customer=c, stage_code="P4", amount=D("1000"))
    result = hierarchy.group_rollup(world.east_rep, a)
    assert [n.name for n in result.rows] == ["Cycle A", "Cycle B", "Cycle C"]
    assert result.total.open_count == 1
    assert [link.name for link in hierarchy.parent_chain(world.east_rep, a)] == ["Cycle B", "Cycle C"]
    client.force_login(world.east_rep)
    assert get_section(client, "profile_section", a).status_code == 200


def test_a_hierarchy_deeper_than_the_cap_is_cut_and_says_so(world):
    top = CustomerFactory(name="Level 0", owner=world.east_rep)
    parent = top
    for level in range(1, hierarchy.MAX_DEPTH + 3):
        parent = CustomerFactory(name=f"Level {level}", owner=world.east_rep, parent=parent)
    result = hierarchy.group_rollup(world.east_rep, top)
    assert result.truncated
    assert len(result.rows) == hierarchy.MAX_DEPTH + 1


def test_profile_section_queries_do_not_grow_with_opportunities_or_siblings(client, world):
    small = CustomerFactory(owner=world.east_rep)
    large = CustomerFactory(owner=world.east_rep)
    CustomerFactory(owner=world.east_rep, parent=small)
    for _ in range(12):
        CustomerFactory(owner=world.east_rep, parent=large)
    bulk_opportunities(small, world.east_rep, 3)
    bulk_opportunities(large, world.east_rep, 300)
    client.force_login(world.east_mgr)
    url = reverse("customers:profile_section", args=[small.pk])
    few = count_queries(client, url, HTTP_HX_REQUEST="true")
    many = count_queries(
        client, reverse("customers:profile_section", args=[large.pk]), HTTP_HX_REQUEST="true"
    )
    assert few == many
    assert many <= 12
