"""The coverage pages: the net page, the relationship history page (filters, paging, level steps, the
coverage table), who may open them, query counts, thresholds as data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.relationships.coverage import history as history_selectors
from tests.factories import ContactFactory, make_opportunity
from tests.relationships.coverage.conftest import at, build_organisation, give_role, set_level

pytestmark = pytest.mark.django_db


# --- the net page -----------------------------------------------------------------------------------


def test_net_page_shows_the_matrix_the_company_row_and_the_findings(client, east):
    set_level(east.gm, east.east_rep, 4, when=at(2026, 3, 9))
    client.force_login(east.east_rep)

    response = client.get(reverse("coverage:net", args=[east.east_customer.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-03-09" in html
    assert "Company level (highest)" in html
    assert "Single-threaded account" in html
    assert "Li Na" in html and "Zhou Min" not in html
    assert f'data-url="/api/v1/customers/{east.east_customer.pk}/coverage-net"' in html
    assert "coverage.css" in html


def test_net_page_with_all_lists_every_contact(client, east):
    client.force_login(east.east_rep)
    response = client.get(reverse("coverage:net", args=[east.east_customer.pk]) + "?all=1")
    assert "Zhou Min" in response.content.decode()
    assert "Key contacts only" in response.content.decode()


# --- relationship history ---------------------------------------------------------------------------


def test_history_lists_every_change_newest_first_with_who_when_and_why(client, east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 5), note="first visit")
    set_level(
        east.cto, east.east_rep2, 3, when=at(2026, 2, 5), by=east.east_mgr, note="dinner after the fair"
    )
    set_level(east.gm, east.east_rep, 1, when=at(2026, 3, 5), note="he felt ignored")

    changes = list(history_selectors.history_changes(east.east_customer))
    assert [c.note for c in changes] == ["he felt ignored", "dinner after the fair", "first visit"]

    client.force_login(east.east_rep)
    html = client.get(reverse("coverage:history", args=[east.east_customer.pk])).content.decode()
    assert html.index("he felt ignored") < html.index("dinner after the fair") < html.index("first visit")
    assert "2026-02-05" in html and str(east.east_mgr) in html


def test_history_filters_by_contact_and_by_our_person(client, east):
    set_level(east.gm, east.east_rep, 2, note="gm by rep")
    set_level(east.gm, east.east_rep2, 3, note="gm by rep2")
    set_level(east.cto, east.east_rep2, 3, note="cto by rep2")

    by_contact = history_selectors.history_changes(east.east_customer, contact_id=east.gm.pk)
    assert {c.note for c in by_contact} == {"gm by rep", "gm by rep2"}
    both = history_selectors.history_changes(
        east.east_customer, contact_id=east.gm.pk, user_id=east.east_rep2.pk
    )
    assert [c.note for c in both] == ["gm by rep2"]

    client.force_login(east.east_rep)
    url = reverse("coverage:history", args=[east.east_customer.pk])
    html = client.get(url, {"person": east.east_rep2.pk}).content.decode()
    assert "cto by rep2" in html and "gm by rep2" in html and "gm by rep<" not in html


def test_history_pages_by_fifty(client, east):
    for i in range(55):
        set_level(east.gm, east.east_rep, 1 + i % 2 * 2, note=f"change {i}")
    client.force_login(east.east_rep)
    url = reverse("coverage:history", args=[east.east_customer.pk])

    first = client.get(url).context["page"]
    second = client.get(url, {"page": 2}).context["page"]

    assert first.paginator.count == 55
    assert len(first.object_list) == 50 and len(second.object_list) == 5
    assert list(second.object_list)[-1].note == "change 0"


def test_history_page_with_a_contact_shows_its_level_steps(client, east):
    set_level(east.gm, east.east_rep, 4, when=at(2026, 1, 1))
    set_level(east.gm, east.east_rep, 2, when=at(2026, 2, 1))
    client.force_login(east.east_rep)

    response = client.get(reverse("coverage:history", args=[east.east_customer.pk]), {"contact": east.gm.pk})

    html = response.content.decode()
    assert f'data-url="/api/v1/contacts/{east.gm.pk}/level-history"' in html
    assert [s.company_level for s in response.context["level_history"].steps] == [4, 2]


def test_history_page_shows_the_coverage_table(client, east):
    set_level(east.gm, east.east_rep, 3)
    client.force_login(east.east_rep)

    response = client.get(reverse("coverage:history", args=[east.east_customer.pk]), {"months": 3})

    rows = response.context["coverage_rows"]
    assert len(rows) == 3
    assert (rows[-1].key_at_target, rows[-1].key_covered, rows[-1].people) == (1, 1, 1)
    assert f'<tr data-month="{rows[-1].month}"><td>{rows[-1].month}</td><td class="num">1 / 3</td>' in (
        response.content.decode()
    )


# --- visibility and query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["coverage:net", "coverage:history"])
def test_a_rep_of_another_team_gets_404_on_the_pages(client, east, name):
    client.force_login(east.west_rep)
    assert client.get(reverse(name, args=[east.east_customer.pk])).status_code == 404
    assert client.get(reverse(name, args=[10**9])).status_code == 404


@pytest.mark.parametrize("name", ["coverage:net", "coverage:history"])
def test_the_manager_of_the_team_sees_the_pages(client, east, name):
    client.force_login(east.east_mgr)
    assert client.get(reverse(name, args=[east.east_customer.pk])).status_code == 200


def test_pages_need_a_login(client, east):
    response = client.get(reverse("coverage:net", args=[east.east_customer.pk]))
    assert response.status_code == 302


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["coverage:net", "coverage:history"])
def test_page_query_count_does_not_grow_with_the_organisation(client, world, name):
    from tests.factories import CustomerFactory

    small = CustomerFactory(owner=world.east_rep, name="Small Co")
    large = CustomerFactory(owner=world.east_rep, name="Large Co")
    small_contacts = build_organisation(small, world.east_rep, 5, world.east_rep2)
    large_contacts = build_organisation(large, world.east_rep, 60, world.east_rep2)
    for customer, contacts in ((small, small_contacts), (large, large_contacts)):
        opp = make_opportunity(owner=world.east_rep, customer=customer, name=f"Deal {customer.pk}")
        for contact in contacts[:5]:
            give_role(opp, contact, "influencer")
    client.force_login(world.east_mgr)

    params = {"all": "1"}
    if name == "coverage:history":
        small_q = count_queries(client, reverse(name, args=[small.pk]), {"contact": small_contacts[0].pk})
        large_q = count_queries(client, reverse(name, args=[large.pk]), {"contact": large_contacts[0].pk})
        assert small_q == large_q
    assert count_queries(client, reverse(name, args=[small.pk])) == count_queries(
        client, reverse(name, args=[large.pk])
    )
    assert count_queries(client, reverse(name, args=[small.pk]), params) == count_queries(
        client, reverse(name, args=[large.pk]), params
    )


def test_coverage_thresholds_are_data_an_administrator_changes(client, world):
    from kam.relationships.models import RelationshipPolicy
    from kam.relationships.services import set_relationship_level

    boss = ContactFactory(customer=world.east_customer, name="Boss", rank="high", influence=3)
    set_relationship_level(boss, world.east_rep, 3, by=world.east_rep, note="Dinner")
    client.force_login(world.east_rep)
    url = f"/api/v1/customers/{world.east_customer.pk}/coverage-net"
    assert client.get(url).json()["top_rank_below_target"] == []
    policy = RelationshipPolicy.current()
    policy.top_rank_min_level = 4
    policy.save()
    body = client.get(url).json()
    assert body["target_level"] == 4
    assert [entry["name"] for entry in body["top_rank_below_target"]] == ["Boss"]
