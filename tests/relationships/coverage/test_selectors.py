"""The coverage net (渔网图): cells, company level, rows, key contacts and the highlights."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.relationships.coverage import selectors as coverage
from tests.factories import ContactFactory, UserFactory, make_opportunity
from tests.relationships.coverage.conftest import at, give_role, set_level

pytestmark = pytest.mark.django_db


def net_for(user, customer, **kwargs):
    return coverage.coverage_net(user, customer, **kwargs)


def column(net, contact):
    return next(c for c in net.columns if c.contact.pk == contact.pk)


def person_row(net, user):
    return next(p for p in net.people if p.user.pk == user.pk)


def cell(net, user, contact):
    index = [c.contact.pk for c in net.columns].index(contact.pk)
    return person_row(net, user).cells[index]


# --- the net: cells, company level, rows --------------------------------------------------------------


def test_each_cell_shows_the_level_and_the_date_of_its_last_change(east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 5))
    set_level(east.gm, east.east_rep, 4, when=at(2026, 3, 9))
    set_level(east.gm, east.east_rep2, 3, when=at(2026, 2, 1))

    net = net_for(east.director, east.east_customer)

    mine = cell(net, east.east_rep, east.gm)
    assert (mine.level, timezone.localtime(mine.changed_at).date()) == (4, dt.date(2026, 3, 9))
    theirs = cell(net, east.east_rep2, east.gm)
    assert (theirs.level, timezone.localtime(theirs.changed_at).date()) == (3, dt.date(2026, 2, 1))
    assert cell(net, east.east_rep2, east.cto).level is None


def test_company_level_of_a_contact_is_the_highest_any_of_our_people_holds(east):
    set_level(east.gm, east.east_rep, 2)
    set_level(east.gm, east.east_rep2, 4)
    set_level(east.gm, east.east_mgr, 3)

    net = net_for(east.director, east.east_customer)

    assert column(net, east.gm).company_level == 4
    assert column(net, east.gm).covered_by == 3
    assert column(net, east.cto).company_level is None


def test_rows_are_our_people_with_relationships_and_the_owner_even_without_one(east):
    stranger = UserFactory(username="stranger")
    set_level(east.gm, east.east_rep2, 3)
    set_level(ContactFactory(name="Elsewhere"), stranger, 5)  # another customer's contact

    net = net_for(east.director, east.east_customer)

    assert [p.user for p in net.people] == [east.east_rep, east.east_rep2]
    owner = person_row(net, east.east_rep)
    assert owner.is_owner and owner.relationships == 0
    assert all(c.level is None for c in owner.cells)


def test_a_person_with_only_ordinary_contacts_is_still_a_row(east):
    set_level(east.clerk, east.east_rep2, 2)

    net = net_for(east.director, east.east_customer)

    assert east.east_rep2 in [p.user for p in net.people]
    assert east.clerk.pk not in [c.contact.pk for c in net.columns]


# --- key contacts -----------------------------------------------------------------------------------


def test_key_contacts_are_senior_influential_or_in_an_open_decision_chain(east):
    open_opp = east.east_opp
    closed_opp = make_opportunity(owner=east.east_rep, customer=east.east_customer, name="Old deal")
    user_contact = ContactFactory(customer=east.east_customer, name="Wu Gang", rank="low", influence=1)
    past_contact = ContactFactory(customer=east.east_customer, name="Sun Li", rank="low", influence=1)
    give_role(open_opp, user_contact, "user")
    give_role(closed_opp, past_contact, "technical_approver")
    Opportunity.objects.filter(pk=closed_opp.pk).update(status=OpportunityStatus.WON)

    net = net_for(east.director, east.east_customer)

    shown = {c.contact.name for c in net.columns}
    assert shown == {"Zhang Wei", "Li Na", "Chen Jie", "Wu Gang"}
    assert net.key_contacts == 4 and net.total_contacts == 6
    assert column(net, user_contact).roles == ["user"]
    assert column(net, east.buyer).reasons == ["influence 4"]


def test_all_shows_every_contact_and_still_marks_the_key_ones(east):
    net = net_for(east.director, east.east_customer, show_all=True)

    assert {c.contact.name for c in net.columns} == {"Zhang Wei", "Li Na", "Chen Jie", "Zhou Min"}
    assert not column(net, east.clerk).key
    assert column(net, east.gm).key
    assert (net.total_contacts, net.key_contacts) == (4, 3)


def test_columns_run_from_the_top_rank_down(east):
    net = net_for(east.director, east.east_customer)
    assert [c.contact.name for c in net.columns] == ["Zhang Wei", "Li Na", "Chen Jie"]


# --- highlights -------------------------------------------------------------------------------------


def kinds(net):
    return {h.kind: h for h in net.highlights}


def test_single_threaded_account_names_the_one_person_holding_every_relationship(east):
    set_level(east.gm, east.east_rep, 3)
    set_level(east.cto, east.east_rep, 2)
    set_level(east.clerk, east.east_rep, 1)

    net = net_for(east.director, east.east_customer)

    assert net.single_threaded == east.east_rep
    finding = kinds(net)["single_threaded"]
    assert str(east.east_rep) in finding.message and "all 3 relationships" in finding.message
    assert finding.users == [east.east_rep]


def test_account_is_not_single_threaded_when_two_of_our_people_hold_relationships(east):
    set_level(east.gm, east.east_rep, 3)
    set_level(east.clerk, east.east_rep2, 1)

    net = net_for(east.director, east.east_customer)

    assert net.single_threaded is None
    assert "single_threaded" not in kinds(net)


def test_no_relationships_at_all_is_said_and_is_not_single_threaded(east):
    net = net_for(east.director, east.east_customer)
    assert net.single_threaded is None
    assert "no_relationships" in kinds(net)


def test_key_contacts_nobody_covers_are_listed_by_name(east):
    set_level(east.gm, east.east_rep, 3)
    set_level(east.clerk, east.east_rep2, 1)  # an ordinary contact covered does not count

    net = net_for(east.director, east.east_customer)

    assert [c.name for c in net.uncovered] == ["Li Na", "Chen Jie"]
    message = kinds(net)["uncovered"].message
    assert "2 key contacts" in message and "Li Na" in message and "Chen Jie" in message
    assert "Zhou Min" not in message


def test_top_rank_contacts_below_cr3_are_listed_with_their_level(east):
    ContactFactory(customer=east.east_customer, name="Guo Hua", rank="high")
    ceo = ContactFactory(customer=east.east_customer, name="He Ping", rank="high")
    set_level(east.gm, east.east_rep, 2)
    set_level(east.gm, east.east_rep2, 1)
    set_level(ceo, east.east_rep, 3)  # at CR3: not a gap
    set_level(east.cto, east.east_rep, 1)  # below CR3 but not top rank

    net = net_for(east.director, east.east_customer)

    # Zhang Wei first: same rank, more influence.
    assert [(c.contact.name, c.company_level) for c in net.top_rank_below_target] == [
        ("Zhang Wei", 2),
        ("Guo Hua", None),
    ]
    message = kinds(net)["top_rank_below_target"].message
    assert "Zhang Wei (CR2)" in message and "Guo Hua (not covered)" in message
    assert "He Ping" not in message and "Li Na" not in message


def test_findings_do_not_depend_on_the_all_toggle(east):
    set_level(east.clerk, east.east_rep, 2)
    key_only = net_for(east.director, east.east_customer)
    every = net_for(east.director, east.east_customer, show_all=True)
    assert [h.message for h in key_only.highlights] == [h.message for h in every.highlights]
