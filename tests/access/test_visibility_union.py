"""opportunities_for / customers_for / contacts_for as `id IN (owned UNION member-of)`: the same
records as the former `owner = X OR EXISTS(member …)` predicate, on randomized worlds."""

from __future__ import annotations

import random

import pytest
from django.db.models import Exists, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.access.visibility import contacts_for, customers_for, opportunities_for
from kam.customers.models import Customer
from kam.opportunities.models import MemberRole, Opportunity, OpportunityMember
from kam.org.models import Role
from kam.org.visibility import managed_team_ids
from kam.relationships.models import Contact
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


def old_opportunities(user):
    on_team = Exists(OpportunityMember.objects.filter(opportunity_id=OuterRef("pk"), user_id=user.pk))
    condition = Q(owner_id=user.pk) | Q(on_team)
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(owner__team_id__in=teams)
    return Opportunity.objects.filter(condition)


def old_customers(user):
    on_deal = Exists(
        OpportunityMember.objects.filter(opportunity__customer_id=OuterRef("pk"), user_id=user.pk)
    ) | Exists(Opportunity.objects.filter(customer_id=OuterRef("pk"), owner_id=user.pk))
    condition = Q(owner_id=user.pk) | on_deal
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(owner__team_id__in=teams)
    return Customer.objects.filter(condition)


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_union_sees_what_the_exists_predicate_saw(db, seed):
    rng = random.Random(seed)
    root = TeamFactory(name=f"Root {seed}")
    teams = [TeamFactory(name=f"T{seed}-{i}", parent=root) for i in range(3)]
    sub = TeamFactory(name=f"Sub {seed}", parent=teams[0])
    teams.append(sub)
    people = [UserFactory(role=Role.MANAGER, team=teams[0])]
    teams[0].manager = people[0]
    teams[0].save()
    people += [UserFactory(role=Role.REP, team=rng.choice(teams)) for _ in range(6)]
    people.append(UserFactory(role=Role.MANAGER, team=teams[1]))  # manages by own team (no manager set)
    customers = [CustomerFactory(owner=rng.choice(people)) for _ in range(8)]
    deals = [
        make_opportunity(owner=rng.choice(people), customer=rng.choice(customers), name=f"D{i}")
        for i in range(12)
    ]
    for deal in deals:
        for person in rng.sample(people, rng.randrange(0, 3)):
            OpportunityMember.objects.get_or_create(
                opportunity=deal, user=person, defaults={"role": MemberRole.MEMBER}
            )
    for customer in customers:
        ContactFactory(customer=customer)
    for person in people:
        person.__dict__.pop("_kam_managed_team_ids", None)
        assert ids(opportunities_for(person)) == ids(old_opportunities(person))
        assert ids(customers_for(person)) == ids(old_customers(person))
        assert ids(contacts_for(person)) == ids(Contact.objects.filter(customer__in=old_customers(person)))
