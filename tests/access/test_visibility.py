"""kam.access.visibility: the record filters and the get_visible_* helpers."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kam.access import visibility
from kam.access.visibility import contacts_for, customers_for, opportunities_for
from kam.customers.models import Tag
from kam.insights.models import Snapshot
from kam.opportunities.models import MemberRole
from kam.opportunities.services import set_member
from kam.org.models import Target
from kam.relationships.models import Influence
from tests.conftest import make_token
from tests.factories import ContactFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


def test_a_rep_sees_own_customer_and_deal_not_the_other_teams(world):
    assert visibility.get_visible_customer(world.east_rep, world.east_customer.pk) == world.east_customer
    assert visibility.get_visible_opportunity(world.east_rep, world.east_opp.pk) == world.east_opp
    with pytest.raises(Http404):
        visibility.get_visible_customer(world.east_rep, world.west_customer.pk)
    with pytest.raises(Http404):
        visibility.get_visible_opportunity(world.east_rep, world.west_opp.pk)


def test_a_manager_sees_the_team_subtree_and_the_director_everything(world):
    assert visibility.get_visible_opportunity(world.east_mgr, world.east_opp2.pk) == world.east_opp2
    with pytest.raises(Http404):
        visibility.get_visible_opportunity(world.east_mgr, world.west_opp.pk)
    assert visibility.get_visible_opportunity(world.director, world.west_opp.pk) == world.west_opp


def test_unknown_ids_and_inactive_users_get_404(world):
    with pytest.raises(Http404):
        visibility.get_visible_customer(world.director, 10**12)
    world.director.is_active = False
    world.director.save()
    with pytest.raises(Http404):
        visibility.get_visible_customer(world.director, world.west_customer.pk)
    with pytest.raises(Http404):
        visibility.get_visible_tag(world.director, Tag.objects.create(name="x").pk)


def test_contacts_and_influence_lines_follow_their_customer(world):
    west = ContactFactory(customer=world.west_customer)
    other = ContactFactory(customer=world.west_customer)
    line = Influence.objects.create(source=west, target=other)
    assert visibility.get_visible_contact(world.west_rep, west.pk) == west
    assert visibility.get_visible_influence(world.west_mgr, line.pk) == line
    with pytest.raises(Http404):
        visibility.get_visible_contact(world.east_rep, west.pk)
    with pytest.raises(Http404):
        visibility.get_visible_influence(world.east_mgr, line.pk)


def test_a_chain_contact_must_belong_to_the_deals_customer(world):
    east_person = ContactFactory(customer=world.east_customer)
    west_person = ContactFactory(customer=world.west_customer)
    assert visibility.get_visible_chain_contact(world.director, world.east_opp, east_person.pk) == east_person
    with pytest.raises(Http404):
        visibility.get_visible_chain_contact(world.director, world.east_opp, west_person.pk)


def test_the_given_queryset_narrows_but_never_widens(world):
    from kam.customers.models import Customer

    only_west = Customer.objects.filter(pk=world.west_customer.pk)
    with pytest.raises(Http404):
        visibility.get_visible_customer(world.director, world.east_customer.pk, queryset=only_west)
    with pytest.raises(Http404):
        visibility.get_visible_customer(world.east_rep, world.west_customer.pk, queryset=only_west)


def test_for_update_reads_the_row_inside_the_writing_transaction(world):
    with transaction.atomic():
        locked = visibility.get_visible_opportunity(world.east_rep, world.east_opp.pk, for_update=True)
        assert locked.pk == world.east_opp.pk
        with pytest.raises(Http404):
            visibility.get_visible_opportunity(world.east_rep, world.west_opp.pk, for_update=True)


def test_targets_tokens_and_snapshots(world):
    import datetime as dt

    west_target = Target.objects.create(
        user=world.west_rep, period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 3, 31), amount=1
    )
    assert visibility.get_visible_target(world.west_mgr, west_target.pk) == west_target
    with pytest.raises(Http404):
        visibility.get_visible_target(world.east_mgr, west_target.pk)
    _raw, token = make_token(world.west_rep)
    assert visibility.get_visible_token(world.west_rep, token.pk) == token
    with pytest.raises(Http404):
        visibility.get_visible_token(world.director, token.pk)  # a token is its owner's alone
    snapshot = Snapshot.objects.create(note="week 1", taken_at=timezone.now())
    assert visibility.get_visible_snapshot(world.east_rep, snapshot.pk) == snapshot


# --- the record filters: opportunities, customers and contacts a user may see ---------------------


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
