"""The org chart selectors: tree shape, company-level CR, roles from open visible opportunities, cycles."""

import pytest

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from kam.relationships import services as relationship_services
from kam.relationships.models import Contact, DecisionRole
from kam.relationships.orgchart import selectors as orgchart
from tests.factories import ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db


def shape(nodes):
    """[(name, [children…]), …] for easy comparison."""
    return [(node.contact.name, shape(node.children)) for node in nodes]


def test_tree_hangs_people_under_their_managers_highest_rank_first(world):
    customer = world.east_customer
    gm = ContactFactory(customer=customer, name="GM", rank="high")
    cto = ContactFactory(customer=customer, name="CTO", rank="mid_high", reports_to=gm)
    ContactFactory(customer=customer, name="Assistant", rank="low", reports_to=gm)
    ContactFactory(customer=customer, name="Engineer", rank="low", reports_to=cto)
    tree = orgchart.org_tree(world.east_rep, customer)
    assert shape(tree.roots) == [("GM", [("CTO", [("Engineer", [])]), ("Assistant", [])])]
    assert tree.count == 4
    assert [(item.depth, item.node.contact.name, item.closes) for item in tree.outline()] == [
        (0, "GM", 0),
        (1, "CTO", 0),
        (2, "Engineer", 2),
        (1, "Assistant", 2),
    ]


def test_several_top_people_are_several_roots(world):
    customer = world.east_customer
    ContactFactory(customer=customer, name="Chair", rank="high")
    ContactFactory(customer=customer, name="Auditor", rank="mid")
    tree = orgchart.org_tree(world.east_rep, customer)
    assert shape(tree.roots) == [("Chair", []), ("Auditor", [])]


def test_company_level_is_the_highest_level_any_of_our_people_holds(world):
    contact = ContactFactory(customer=world.east_customer, name="CTO")
    relationship_services.set_relationship_level(contact, world.east_rep, 2, by=world.east_rep, note="Visit")
    relationship_services.set_relationship_level(contact, world.east_mgr, 4, by=world.east_mgr, note="Dinner")
    relationship_services.set_relationship_level(contact, world.east_rep2, 3, by=world.east_mgr, note="Call")
    (node,) = orgchart.org_tree(world.east_rep, world.east_customer).roots
    assert node.level == 4
    assert node.level_label == "CR4"


def test_roles_come_only_from_open_opportunities_the_user_can_see(world):
    customer = world.east_customer
    contact = ContactFactory(customer=customer, name="CTO")
    closed = make_opportunity(owner=world.east_rep, customer=customer, name="Old deal")
    opportunity_services.set_contact_role(
        closed, contact, by=world.east_rep, decision_role=DecisionRole.DECISION_MAKER
    )
    opportunity_services.close_opportunity(
        closed, by=world.east_rep, status=OpportunityStatus.LOST, reason="x"
    )
    # An open deal at the same customer owned by the other team: the east rep may not see it.
    hidden = make_opportunity(owner=world.west_rep, customer=customer, name="West's deal")
    opportunity_services.set_contact_role(
        hidden, contact, by=world.west_rep, decision_role=DecisionRole.BUSINESS_APPROVER
    )
    opportunity_services.set_contact_role(
        world.east_opp, contact, by=world.east_rep, decision_role=DecisionRole.INFLUENCER
    )
    opportunity_services.set_contact_role(
        world.east_opp, contact, by=world.east_rep, decision_role=DecisionRole.TECHNICAL_APPROVER
    )
    (node,) = orgchart.org_tree(world.east_rep, customer).roots
    assert node.roles == [DecisionRole.TECHNICAL_APPROVER, DecisionRole.INFLUENCER]
    assert node.colour == "#2563eb"
    (node,) = orgchart.org_tree(world.director, customer).roots
    assert node.roles == [
        DecisionRole.TECHNICAL_APPROVER,
        DecisionRole.BUSINESS_APPROVER,
        DecisionRole.INFLUENCER,
    ]


def test_a_stale_cycle_in_the_data_shows_everyone_once_and_ends(world):
    customer = world.east_customer
    a = ContactFactory(customer=customer, name="A")
    b = ContactFactory(customer=customer, name="B", reports_to=a)
    c = ContactFactory(customer=customer, name="C", reports_to=b)
    d = ContactFactory(customer=customer, name="D", reports_to=c)
    ContactFactory(customer=customer, name="E")
    # What the service refuses, old data may hold: A → C → B → A, with D below C.
    Contact.objects.filter(pk=a.pk).update(reports_to=c)
    Contact.objects.filter(pk=d.pk).update(reports_to=d)  # and someone reporting to themselves
    tree = orgchart.org_tree(world.east_rep, customer)
    names = [item.node.contact.name for item in tree.outline()]
    assert sorted(names) == ["A", "B", "C", "D", "E"]
    assert tree.count == 5
    data = orgchart.tree_json(tree)
    seen = []
    stack = list(data["roots"])
    while stack:
        node = stack.pop()
        seen.append(node["name"])
        stack.extend(node["children"])
    assert sorted(seen) == ["A", "B", "C", "D", "E"]


def test_department_focus_keeps_its_people_and_their_managers_as_context(world):
    customer = world.east_customer
    gm = ContactFactory(customer=customer, name="GM", department="Board", rank="high")
    cio = ContactFactory(customer=customer, name="CIO", department="Board", reports_to=gm)
    ContactFactory(customer=customer, name="Dev", department="IT", reports_to=cio)
    ContactFactory(customer=customer, name="Buyer", department="Purchasing", reports_to=gm)
    tree = orgchart.org_tree(world.east_rep, customer, department="IT")
    assert shape(tree.roots) == [("GM", [("CIO", [("Dev", [])])])]
    assert [i.node.context for i in tree.outline()] == [True, True, False]
    assert tree.departments == ["Board", "IT", "Purchasing"]
    assert tree.department == "IT"
    assert orgchart.org_tree(world.east_rep, customer, department="Unknown").department is None


def test_delete_impact_message_names_what_goes_and_where_reports_move(world):
    customer = world.east_customer
    gm = ContactFactory(customer=customer, name="GM")
    deputy = ContactFactory(customer=customer, name="Deputy", reports_to=gm)
    for index in range(2):
        ContactFactory(customer=customer, name=f"Staff {index}", reports_to=deputy)
    relationship_services.set_relationship_level(deputy, world.east_rep, 2, by=world.east_rep, note="Visit")
    relationship_services.add_influence(deputy, gm, by=world.east_rep)
    impact = relationship_services.contact_delete_impact(deputy)
    assert orgchart.delete_impact_message(deputy, impact) == (
        "Deleting Deputy also deletes 0 roles on closed opportunities, 1 relationship row, 1 influence line."
        " 2 direct reports move up to GM."
    )
    opportunity_services.set_contact_role(
        world.east_opp, deputy, by=world.east_rep, decision_role=DecisionRole.USER
    )
    impact = relationship_services.contact_delete_impact(deputy)
    message = orgchart.delete_impact_message(deputy, impact)
    assert "cannot be deleted" in message and world.east_opp.project_number in message
