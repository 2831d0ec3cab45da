import pytest

from kam.access.visibility import contacts_for, customers_for, opportunities_for
from kam.opportunities.models import MemberRole
from kam.opportunities.services import set_member
from kam.org.visibility import visible_users
from tests.factories import ContactFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_rep_sees_only_own_opportunities(world):
    assert names(opportunities_for(world.east_rep)) == {"East furnace"}
    assert names(opportunities_for(world.west_rep)) == {"West turbine"}


def test_rep_sees_deal_team_opportunities_and_their_customer(world):
    set_member(world.west_opp, world.east_rep, by=world.west_rep, role=MemberRole.MEMBER)
    assert names(opportunities_for(world.east_rep)) == {"East furnace", "West turbine"}
    assert "West Power" in names(customers_for(world.east_rep))


def test_manager_sees_team_subtree_only(world):
    sub = TeamFactory(name="East sub", parent=world.east)
    sub_rep = UserFactory(team=sub)
    make_opportunity(owner=sub_rep, name="Sub deal")
    assert names(opportunities_for(world.east_mgr)) == {"East furnace", "East rolling mill", "Sub deal"}
    assert names(opportunities_for(world.west_mgr)) == {"West turbine"}


def test_director_and_admin_see_everything(world):
    everything = {"East furnace", "East rolling mill", "West turbine"}
    assert names(opportunities_for(world.director)) == everything
    assert names(opportunities_for(world.admin)) == everything


def test_customers_follow_the_same_rules(world):
    assert "West Power" not in names(customers_for(world.east_rep))
    assert "East Steel" in names(customers_for(world.east_rep))
    assert "East Steel" in names(customers_for(world.east_mgr))
    assert "East Steel" not in names(customers_for(world.west_mgr))


def test_contacts_follow_their_customer(world):
    east_contact = ContactFactory(customer=world.east_customer, name="Wang")
    west_contact = ContactFactory(customer=world.west_customer, name="Li")
    assert set(contacts_for(world.east_rep)) == {east_contact}
    assert set(contacts_for(world.director)) >= {east_contact, west_contact}


def test_inactive_user_sees_nothing(world):
    world.east_rep.is_active = False
    world.east_rep.save()
    assert not opportunities_for(world.east_rep).exists()
    assert not customers_for(world.east_rep).exists()


def test_visible_users_for_manager_is_the_team(world):
    assert set(visible_users(world.east_mgr)) == {world.east_mgr, world.east_rep, world.east_rep2}
    assert set(visible_users(world.east_rep)) == {world.east_rep}
