"""Visit policy pages: demand against capacity, editing rows (managers only, versioned), selling
hours, the what-if editor (htmx, nothing saved) and the under-visited list with its filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from kam.activities.models import SellingCapacity, VisitPolicy
from kam.customers.models import Tier
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def row_post(policy: VisitPolicy, **values) -> dict[str, str]:
    data = {
        "visits": policy.visits,
        "period_months": policy.period_months,
        "hours_per_visit": policy.hours_per_visit,
        "version": policy.version,
        **values,
    }
    return {f"p{policy.pk}-{key}": str(value) for key, value in data.items()}


def test_the_page_shows_demand_and_capacity_per_team_and_owner(world):
    CustomerFactory(owner=world.east_rep, tier=Tier.A)
    content = client_for(world.east_mgr).get(reverse("policy:page")).content.decode()
    assert str(world.east_rep) in content and str(world.east_rep2) in content
    # East: A 4 × 3 h = 12 h plus two D customers at 0.5 h / 6 months; capacity 3 × 80 h.
    assert "240.0" in content
    assert "West" not in content.split("Per owner")[0]


def test_a_manager_edits_a_row_and_a_stale_form_is_a_conflict(world):
    policy = VisitPolicy.objects.get(tier=Tier.B)
    client = client_for(world.east_mgr)
    response = client.post(reverse("policy:edit", args=[policy.pk]), row_post(policy, visits=3))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.visits, policy.version) == (3, 2)
    stale = client.post(reverse("policy:edit", args=[policy.pk]), row_post(policy, visits=5, version=1))
    assert stale.status_code == 409
    policy.refresh_from_db()
    assert policy.visits == 3


def test_a_rep_cannot_edit_the_policy(world):
    policy = VisitPolicy.objects.get(tier=Tier.B)
    client = client_for(world.east_rep)
    assert (
        client.post(reverse("policy:edit", args=[policy.pk]), row_post(policy, visits=9)).status_code == 403
    )
    assert reverse("policy:edit", args=[policy.pk]) not in client.get(reverse("policy:page")).content.decode()
    policy.refresh_from_db()
    assert policy.visits == 2


def test_a_segment_row_is_added_and_a_duplicate_refused(world):
    client = client_for(world.director)
    data = {"tier": "", "segment": "key", "visits": "2", "period_months": "1", "hours_per_visit": "1.5"}
    assert client.post(reverse("policy:create"), data).status_code == 302
    assert VisitPolicy.objects.filter(segment="key").exists()
    again = client.post(reverse("policy:create"), data)
    assert again.status_code == 400
    assert "already has a visit policy" in again.content.decode()


def test_a_manager_sets_the_selling_hours_of_their_people_only(world):
    client = client_for(world.east_mgr)
    assert (
        client.post(
            reverse("policy:capacity"), {"person": world.east_rep.pk, "hours_per_month": "60"}
        ).status_code
        == 302
    )
    assert SellingCapacity.objects.get(user=world.east_rep).hours_per_month == Decimal("60")
    # West's rep is outside the manager's view: refused like an unknown person.
    assert (
        client.post(
            reverse("policy:capacity"), {"person": world.west_rep.pk, "hours_per_month": "60"}
        ).status_code
        == 400
    )
    rep = client_for(world.east_rep)
    assert (
        rep.post(
            reverse("policy:capacity"), {"person": world.east_rep.pk, "hours_per_month": "200"}
        ).status_code
        == 403
    )
    assert not SellingCapacity.objects.filter(user=world.west_rep).exists()


def test_the_what_if_recomputes_without_saving(world):
    CustomerFactory(owner=world.east_rep, tier=Tier.A)
    data = {}
    for policy in VisitPolicy.objects.all():
        key = f"tier:{policy.tier}"
        data[f"{key}:visits"] = "1"
        data[f"{key}:period_months"] = "1"
        data[f"{key}:hours_per_visit"] = "0.3333"
    response = client_for(world.east_rep).post(reverse("policy:what_if"), data, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<div id="what-if-result">')
    # Now: A 4 × 3 h + one D at 0.5 h / 6 months = 12.1 h; tried: two customers × 0.3333 h = 0.7 h.
    demand_row = content.split("<th>Demand</th>")[1].split("</tr>")[0]
    assert '<td class="num">12.1</td>' in demand_row and "<strong>0.7</strong>" in demand_row
    assert VisitPolicy.objects.get(tier=Tier.A).visits == 4
    bad = client_for(world.east_rep).post(
        reverse("policy:what_if"), {**data, "tier:A:visits": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "Check the values" in bad.content.decode()


def test_the_under_visited_page_filters_and_pages(world):
    for i in range(55):
        CustomerFactory(name=f"Quiet {i:02d}", owner=world.west_rep, tier=Tier.A)
    client = client_for(world.director)
    first = client.get(reverse("policy:under_visited"), {"tier": "A"}).content.decode()
    assert "Quiet 00" in first and "Page 1 of 2" in first
    assert "tier=A&amp;page=2" in first
    second = client.get(reverse("policy:under_visited"), {"tier": "A", "page": 2}).content.decode()
    assert "Quiet 54" in second
    east = client.get(reverse("policy:under_visited"), {"team": world.east.pk}).content.decode()
    assert "Quiet" not in east and "East Steel" in east


def test_the_under_visited_page_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(20):
        CustomerFactory(owner=world.west_rep, tier=Tier.B)
    client = client_for(world.director)
    client.get(reverse("policy:under_visited"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("policy:under_visited")).status_code == 200


def test_the_demand_page_reads_the_same_statements_for_more_customers(world, django_assert_max_num_queries):
    client = client_for(world.director)
    client.get(reverse("policy:page"))
    for tier in (Tier.A, Tier.B, Tier.C) * 10:
        CustomerFactory(owner=world.west_rep, tier=tier)
    # Session and user, the team picker, the policy rows twice (table and report), customer counts
    # and people: however many customers.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("policy:page")).status_code == 200
