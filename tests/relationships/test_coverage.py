"""Coverage net (渔网图) and relationship history: the selectors and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.relationships import services
from kam.relationships.coverage import history as history_selectors
from kam.relationships.coverage import selectors as coverage
from kam.relationships.models import RelationshipChange
from tests.factories import ContactFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


# --- builders (also used by test_coverage_api) --------------------------------------------------------


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An instant in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def set_level(contact, user, level, *, when=None, by=None, note="met at the plant"):
    """Change a level through the service, then move its history row to `when` (changed_at is automatic)."""
    services.set_relationship_level(contact, user, level, by=by or user, note=note)
    change = RelationshipChange.objects.filter(contact=contact, user=user).order_by("-id").first()
    if when is not None:
        RelationshipChange.objects.filter(pk=change.pk).update(changed_at=when)
        change.refresh_from_db()
    return change


def give_role(opportunity, contact, role="decision_maker"):
    return opportunity_services.set_contact_role(
        opportunity, contact, by=opportunity.owner, decision_role=role
    )


def build_organisation(customer, owner, size: int, colleague) -> list:
    """`size` contacts, every one key, each known by two of our people with two changes each."""
    contacts = [
        ContactFactory(customer=customer, name=f"Person {i:03d}", rank="high" if i % 3 == 0 else "mid_high")
        for i in range(size)
    ]
    for i, contact in enumerate(contacts):
        set_level(contact, owner, 2)
        set_level(contact, owner, 3 + i % 3)
        set_level(contact, colleague, 1 + i % 5)
    return contacts


def net_for(user, customer, **kwargs):
    return coverage.coverage_net(user, customer, **kwargs)


def column(net, contact):
    return next(c for c in net.columns if c.contact.pk == contact.pk)


def person_row(net, user):
    return next(p for p in net.people if p.user.pk == user.pk)


def cell(net, user, contact):
    index = [c.contact.pk for c in net.columns].index(contact.pk)
    return person_row(net, user).cells[index]


@pytest.fixture
def east(world):
    """East Steel with three key contacts and one ordinary one."""
    w = world
    w.gm = ContactFactory(customer=w.east_customer, name="Zhang Wei", rank="high", influence=5)
    w.cto = ContactFactory(customer=w.east_customer, name="Li Na", rank="mid_high", influence=4)
    w.buyer = ContactFactory(customer=w.east_customer, name="Chen Jie", rank="mid", influence=4)
    w.clerk = ContactFactory(customer=w.east_customer, name="Zhou Min", rank="low", influence=2)
    return w


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


def test_level_over_time_is_a_step_series_per_person_and_the_company_max_including_a_drop(east):
    set_level(east.gm, east.east_rep, 2, when=at(2026, 1, 1))
    set_level(east.gm, east.east_rep2, 3, when=at(2026, 2, 1))
    set_level(east.gm, east.east_rep, 4, when=at(2026, 3, 1))
    set_level(east.gm, east.east_rep, 1, when=at(2026, 4, 1))  # the relationship cools

    history = history_selectors.level_history(east.gm)

    def days(points):
        return [(timezone.localtime(t).date().isoformat(), level) for t, level in points]

    series = {s.user.username: days(s.points) for s in history.people}
    assert series == {
        "east_rep": [("2026-01-01", 2), ("2026-03-01", 4), ("2026-04-01", 1)],
        "east_rep2": [("2026-02-01", 3)],
    }
    assert days(history.company.points) == [
        ("2026-01-01", 2),
        ("2026-02-01", 3),
        ("2026-03-01", 4),
        ("2026-04-01", 3),
    ]


def test_history_page_with_a_contact_shows_its_level_steps(client, east):
    set_level(east.gm, east.east_rep, 4, when=at(2026, 1, 1))
    set_level(east.gm, east.east_rep, 2, when=at(2026, 2, 1))
    client.force_login(east.east_rep)

    response = client.get(reverse("coverage:history", args=[east.east_customer.pk]), {"contact": east.gm.pk})

    html = response.content.decode()
    assert f'data-url="/api/v1/contacts/{east.gm.pk}/level-history"' in html
    assert [s.company_level for s in response.context["level_history"].steps] == [4, 2]


# --- coverage over time -----------------------------------------------------------------------------


@pytest.fixture
def timeline(east):
    """A small history around month ends; the expected counts are worked out by hand in the tests."""
    w = east
    w.u3 = UserFactory(username="u3", team=w.east)
    set_level(w.gm, w.east_rep, 2, when=at(2026, 1, 10))
    set_level(w.cto, w.east_rep2, 1, when=at(2026, 2, 20))
    set_level(w.gm, w.east_rep, 3, when=at(2026, 3, 5))
    set_level(w.clerk, w.east_rep2, 4, when=at(2026, 3, 31, 23, 30))  # still March in Shanghai
    set_level(w.gm, w.east_rep, 2, when=at(2026, 4, 1, 0, 10))  # April in Shanghai, March in UTC
    set_level(w.cto, w.u3, 3, when=at(2026, 4, 15))
    set_level(w.gm, w.u3, 5, when=at(2026, 5, 20))  # after "now": not counted
    w.now = at(2026, 5, 15)
    return w


def test_coverage_over_time_counts_key_contacts_and_people_at_each_month_end(timeline):
    key_ids = coverage.key_contact_ids(timeline.director, timeline.east_customer)

    rows = history_selectors.coverage_over_time(timeline.east_customer, key_ids, months=5, now=timeline.now)

    assert [(r.month, r.key_at_target, r.key_covered, r.people) for r in rows] == [
        ("2026-01", 0, 1, 1),
        ("2026-02", 0, 2, 2),
        ("2026-03", 1, 2, 2),
        ("2026-04", 1, 2, 3),
        ("2026-05", 1, 2, 3),
    ]


def test_coverage_over_time_of_every_contact_counts_the_ordinary_ones_too(timeline):
    rows = history_selectors.coverage_over_time(timeline.east_customer, None, months=3, now=timeline.now)
    assert [(r.month, r.key_at_target, r.key_covered) for r in rows] == [
        ("2026-03", 2, 3),
        ("2026-04", 2, 3),
        ("2026-05", 2, 3),
    ]


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
    from tests.factories import ContactFactory

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
