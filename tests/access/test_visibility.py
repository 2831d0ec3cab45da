"""kam.access.visibility: the record filters and the get_visible_* helpers."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kam.access import visibility
from kam.customers.models import Tag
from kam.insights.models import Snapshot
from kam.org.models import Target
from kam.relationships.models import Influence
from tests.conftest import make_token
from tests.factories import ContactFactory

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
