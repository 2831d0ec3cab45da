"""The 360° customer page: the frame, its sections, group roll-ups and the customer's forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.customers import services as customer_services
from kam.customers.models import Customer, CustomerChange
from kam.customers.profile import hierarchy
from kam.customers.profile.forecast import customer_forecast, next_quarter_keys
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityStatus
from tests.factories import CustomerFactory, make_opportunity, stage

pytestmark = pytest.mark.django_db

D = Decimal
SECTIONS = (
    "profile_section",
    "orgchart_section",
    "opportunities_section",
    "forecast_section",
    "history_section",
    "facts",
)


def get_section(client, name, customer, *, htmx=True, **params):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(reverse(f"customers:{name}", args=[customer.pk]), params, **headers)


def count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


def won(opportunity, user, days_ago):
    return opportunity_services.close_opportunity(
        opportunity,
        by=user,
        status=OpportunityStatus.WON,
        reason="Signed",
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def bulk_opportunities(customer, owner, count, *, status=OpportunityStatus.OPEN, start=0):
    """Many rows without the service's per-row history: the page reads them, it does not write them."""
    p4 = stage("P4")
    Opportunity.objects.bulk_create(
        Opportunity(
            project_number=f"BULK-{customer.pk}-{start + index:05d}",
            name=f"Deal {start + index:04d}",
            customer=customer,
            owner=owner,
            stage=p4,
            status=status,
            amount=D(1000 + index),
            sign_date=dt.date(2027, 1, 1) + dt.timedelta(days=index % 700),
        )
        for index in range(count)
    )


# --- the group: three levels, one subsidiary of another team ---------------------------------------


@pytest.fixture
def group(world):
    """Root ─ Sub ─ Plant (east_rep's), and West Sub ─ West Plant (west_rep's) with Ningbo Plant
    (east_rep's) under West Sub. Figures in the comments: own open count / open / weighted / won 12m."""
    rep, west = world.east_rep, world.west_rep
    root = CustomerFactory(name="Root Group", owner=rep)
    sub = CustomerFactory(name="Sub Holding", owner=rep, parent=root)
    plant = CustomerFactory(name="Plant Three", owner=rep, parent=sub)
    west_sub = CustomerFactory(name="West Sub", owner=west, parent=root)
    west_plant = CustomerFactory(name="West Plant", owner=west, parent=west_sub)
    ningbo = CustomerFactory(name="Ningbo Plant", owner=rep, parent=west_sub)
    # Root: 1 / 1,000,000 / 500,000 / 300,000 (a win of 400 days ago and a lost deal do not count)
    make_opportunity(owner=rep, customer=root, stage_code="P4", amount=D("1000000"), name="Root open")
    won(make_opportunity(owner=rep, customer=root, amount=D("300000"), name="Root won"), rep, 30)
    won(make_opportunity(owner=rep, customer=root, amount=D("999"), name="Root old win"), rep, 400)
    opportunity_services.close_opportunity(
        make_opportunity(owner=rep, customer=root, amount=D("5000"), name="Root lost"),
        by=rep,
        status=OpportunityStatus.LOST,
        reason="Price",
    )
    # Sub: 2 / 600,000 / 120,000 / 0 (one amount is a range: its middle counts)
    make_opportunity(owner=rep, customer=sub, stage_code="P2", amount=D("400000"), name="Sub open")
    make_opportunity(
        owner=rep,
        customer=sub,
        stage_code="P0",
        amount=None,
        amount_low=D("100000"),
        amount_high=D("300000"),
        name="Sub range",
    )
    # Plant: 1 / 100,000 / 90,000 / 200,000
    make_opportunity(owner=rep, customer=plant, stage_code="P6", amount=D("100000"), name="Plant open")
    won(make_opportunity(owner=rep, customer=plant, amount=D("200000"), name="Plant won"), rep, 10)
    # Ningbo: 1 / 50,000 / 15,000 / 0
    make_opportunity(owner=rep, customer=ningbo, stage_code="P3", amount=D("50000"), name="Ningbo open")
    # West Sub: 1 / 2,000,000 / 1,500,000 / 500,000 — West Plant: 1 / 100,000 / 20,000 / 0
    make_opportunity(owner=west, customer=west_sub, stage_code="P5", amount=D("2000000"), name="West open")
    won(make_opportunity(owner=west, customer=west_sub, amount=D("500000"), name="West won"), west, 5)
    make_opportunity(owner=west, customer=west_plant, stage_code="P1", amount=D("100000"), name="West plant")
    return locals()


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


# --- the frame ----------------------------------------------------------------------------------------


def test_frame_shows_the_header_and_loads_each_section_on_its_own(client, world):
    customer = world.east_customer
    Customer.objects.filter(pk=customer.pk).update(
        score=D("71.50"), tier="A", computed_tier="B", tier_override="A"
    )
    client.force_login(world.east_rep)
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "East Steel" in body and "71.50" in body and str(world.east_rep) in body
    assert 'class="badge tier tier-A"' in body
    assert "overridden" in body and "the computed tier is B" in body
    for name, trigger in (
        ("profile_section", "load"),
        ("score_section", "load"),
        ("tags_section", "load, kam:score-changed from:body"),
        ("orgchart_section", "revealed"),
        ("opportunities_section", "revealed"),
        ("forecast_section", "revealed"),
        ("analysis_section", "revealed"),
        ("history_section", "revealed"),
    ):
        url = reverse(f"customers:{name}", args=[customer.pk])
        assert f'hx-get="{url}" hx-trigger="{trigger}"' in body, name
        assert f'<a class="small" href="{url}">' in body, name  # the no-JavaScript way in
    for action in (
        reverse("customers:edit", args=[customer.pk]),
        f"{reverse('relationships:create')}?customer={customer.pk}",
        f"{reverse('opportunities:create')}?customer={customer.pk}",
        reverse("coverage:net", args=[customer.pk]),
        reverse("coverage:history", args=[customer.pk]),
    ):
        assert action in body
    # Sections' content is not in the frame.
    assert "East furnace" not in body


def test_frame_without_an_override_shows_no_mark(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert 'class="overridden"' not in body


def test_header_facts_fragment_follows_an_override_and_refreshes_on_a_score_change(client, world):
    from kam.customers import services

    customer = world.east_customer
    client.force_login(world.east_rep)
    frame = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # The frame's facts listen for the score section's event and fetch this fragment again.
    assert 'hx-trigger="kam:score-changed from:body"' in frame
    services.override_tier(customer, by=world.east_mgr, tier="A", reason="Group deal", expected_override="")
    body = client.get(reverse("customers:facts", args=[customer.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="customer-facts"' in body and "<html" not in body
    assert 'tier-A">A</span>' in body and 'class="overridden"' in body


def test_frame_queries_do_not_grow_with_opportunities(client, world):
    small = world.east_customer
    large = CustomerFactory(owner=world.east_rep)
    bulk_opportunities(small, world.east_rep, 2)
    bulk_opportunities(large, world.east_rep, 1000)
    for index in range(5):
        CustomerFactory(owner=world.east_rep, parent=large, name=f"Plant {index}")
    client.force_login(world.east_mgr)
    few = count_queries(client, reverse("customers:detail", args=[small.pk]))
    many = count_queries(client, reverse("customers:detail", args=[large.pk]))
    assert few == many
    assert many <= 12


@pytest.mark.parametrize("name", ["detail", *SECTIONS])
def test_another_teams_rep_gets_404_from_the_frame_and_every_section(client, world, name):
    client.force_login(world.east_rep)
    assert client.get(reverse(f"customers:{name}", args=[world.west_customer.pk])).status_code == 404
    assert get_section(client, name, world.west_customer).status_code == 404


@pytest.mark.parametrize("name", SECTIONS)
def test_sections_need_a_login(client, world, name):
    response = get_section(client, name, world.east_customer, htmx=False)
    assert response.status_code == 302


# --- opportunities --------------------------------------------------------------------------------


def test_opportunities_section_lists_open_ones_with_weighted_amounts(client, world):
    customer = world.east_customer
    make_opportunity(
        owner=world.east_rep, customer=customer, stage_code="P4", amount=D("200000"), name="Boiler"
    )
    lost = make_opportunity(owner=world.east_rep, customer=customer, name="Lost kiln")
    opportunity_services.close_opportunity(lost, by=world.east_rep, status=OpportunityStatus.LOST, reason="x")
    client.force_login(world.east_rep)
    response = get_section(client, "opportunities_section", customer)
    body = response.content.decode()
    assert "Boiler" in body and "East furnace" in body and "Lost kiln" not in body
    assert "¥100,000.00" in body  # 200,000 at P4 (50 %)
    assert 'Open <span class="count">2</span>' in body and 'Closed <span class="count">1</span>' in body
    closed = get_section(client, "opportunities_section", customer, state="closed").content.decode()
    assert "Lost kiln" in closed and "Boiler" not in closed


def test_opportunities_section_hides_another_teams_deals_at_a_shared_customer(client, world):
    make_opportunity(owner=world.west_rep, customer=world.east_customer, name="West intrusion")
    client.force_login(world.east_rep)
    body = get_section(client, "opportunities_section", world.east_customer).content.decode()
    assert "West intrusion" not in body
    client.force_login(world.director)
    body = get_section(client, "opportunities_section", world.east_customer).content.decode()
    assert "West intrusion" in body


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("amount", ["Small", "Middle", "Large"]),
        ("-amount", ["Large", "Middle", "Small"]),
        ("sign_date", ["Large", "Small", "Middle"]),
        ("-sign_date", ["Middle", "Small", "Large"]),
        ("stage", ["Middle", "Large", "Small"]),
        ("-stage", ["Small", "Large", "Middle"]),
        ("nonsense", ["Large", "Small", "Middle"]),
    ],
)
def test_opportunities_section_sorts_by_sign_date_amount_and_stage(client, world, sort, expected):
    customer = CustomerFactory(owner=world.east_rep)
    for name, amount, sign, code in (
        ("Small", "1000", dt.date(2027, 5, 1), "P5"),
        ("Middle", "5000", dt.date(2027, 9, 1), "P0"),
        ("Large", "9000", dt.date(2027, 1, 1), "P2"),
    ):
        make_opportunity(
            owner=world.east_rep,
            customer=customer,
            name=name,
            amount=D(amount),
            sign_date=sign,
            stage_code=code,
        )
    client.force_login(world.east_rep)
    response = get_section(client, "opportunities_section", customer, htmx=False, sort=sort)
    assert [o.name for o in response.context["page"].object_list] == expected


def test_opportunities_section_pages_by_twenty(client, world):
    customer = CustomerFactory(owner=world.east_rep)
    bulk_opportunities(customer, world.east_rep, 45)
    client.force_login(world.east_rep)
    first = get_section(client, "opportunities_section", customer, htmx=False)
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.num_pages == 3
    assert first.context["next_url"].endswith("page=2")
    third = get_section(client, "opportunities_section", customer, htmx=False, page=3)
    assert len(third.context["page"].object_list) == 5
    seen = set()
    for number in (1, 2, 3):
        page = get_section(client, "opportunities_section", customer, htmx=False, page=number)
        seen |= {o.pk for o in page.context["page"].object_list}
    assert len(seen) == 45
    # The fragment's pager swaps the section in place.
    body = get_section(client, "opportunities_section", customer, page=2).content.decode()
    assert 'hx-target="#opportunities-section"' in body and "Page 2 of 3" in body


@pytest.mark.parametrize("state", ["open", "closed"])
def test_opportunities_section_queries_do_not_grow_with_opportunities(client, world, state):
    status = OpportunityStatus.OPEN if state == "open" else OpportunityStatus.WON
    small = CustomerFactory(owner=world.east_rep)
    large = CustomerFactory(owner=world.east_rep)
    bulk_opportunities(small, world.east_rep, 3, status=status)
    bulk_opportunities(large, world.east_rep, 60, status=status)
    client.force_login(world.east_mgr)
    counts = [
        count_queries(
            client,
            reverse("customers:opportunities_section", args=[c.pk]) + f"?state={state}&sort=-amount",
            HTTP_HX_REQUEST="true",
        )
        for c in (small, large)
    ]
    assert counts[0] == counts[1]
    assert counts[1] <= 8


def test_opportunities_section_for_a_customer_with_a_thousand_opportunities(client, world):
    customer = CustomerFactory(owner=world.east_rep)
    bulk_opportunities(customer, world.east_rep, 1000)
    client.force_login(world.east_rep)
    response = get_section(client, "opportunities_section", customer, htmx=False, page=50, sort="-amount")
    page = response.context["page"]
    assert page.paginator.count == 1000 and page.number == 50
    assert [o.amount for o in page.object_list][-1] == D("1000.00")  # the smallest, last


# --- forecast --------------------------------------------------------------------------------------


@pytest.fixture
def forecast_deals(world):
    """Sign dates around 2027-05-10 (quarters 2027 Q2 … 2028 Q1)."""
    rep, customer = world.east_rep, CustomerFactory(owner=world.east_rep, name="Forecast Co")

    def deal(name, amount, sign, code="P0", category="", status=None, owner=rep):
        opportunity = make_opportunity(
            owner=owner,
            customer=customer,
            name=name,
            amount=D(amount),
            sign_date=sign,
            stage_code=code,
            forecast_category=category,
        )
        if status:
            opportunity_services.close_opportunity(opportunity, by=owner, status=status, reason="x")
        return opportunity

    deal("Q2 commit", "1000000", dt.date(2027, 5, 20), "P4", "commit")
    deal("Q2 pipeline", "400000", dt.date(2027, 6, 30), "P2")
    deal("Q3 best case", "200000", dt.date(2027, 8, 1), "P5", "best_case")
    deal("Q1 won", "300000", dt.date(2027, 2, 1), status=OpportunityStatus.WON)
    deal("Q3 won", "100000", dt.date(2027, 7, 15), status=OpportunityStatus.WON)
    deal("Next Q1 commit", "50000", dt.date(2028, 2, 1), "P0", "commit")
    deal("Too late", "70000", dt.date(2028, 5, 1))
    deal("Lost", "999", dt.date(2027, 5, 20), status=OpportunityStatus.LOST)
    deal("Q4 omitted", "10000", dt.date(2027, 11, 1), "P1", "omitted")
    deal("West's deal", "800000", dt.date(2027, 5, 25), "P4", owner=world.west_rep)
    return customer


def quarter_row(quarter):
    f = quarter.figures
    return (quarter.label, f.open_amount, f.weighted, f.commit, f.best_case, f.pipeline, f.won)


def test_customer_forecast_per_quarter_hand_computed(world, forecast_deals):
    result = customer_forecast(world.east_rep, forecast_deals, today=dt.date(2027, 5, 10))
    assert [quarter_row(q) for q in result.quarters] == [
        ("2027 Q2", D("1400000.00"), D("600000.00"), D("1000000.00"), D("0.00"), D("400000.00"), D("0.00")),
        ("2027 Q3", D("200000.00"), D("150000.00"), D("0.00"), D("200000.00"), D("0.00"), D("100000.00")),
        ("2027 Q4", D("10000.00"), D("2000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("2028 Q1", D("50000.00"), D("5000.00"), D("50000.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    totals = result.totals
    assert (totals.open_amount, totals.weighted, totals.commit, totals.won) == (
        D("1660000.00"),
        D("757000.00"),
        D("1050000.00"),
        D("100000.00"),
    )
    assert result.year == 2027 and result.year_figures.won == D("400000.00")


def test_customer_forecast_for_the_director_includes_every_teams_deals(world, forecast_deals):
    result = customer_forecast(world.director, forecast_deals, today=dt.date(2027, 5, 10))
    q2 = result.quarters[0].figures
    assert (q2.open_amount, q2.weighted) == (D("2200000.00"), D("1000000.00"))


def test_next_quarters_roll_over_the_year():
    assert next_quarter_keys(dt.date(2027, 11, 30)) == [20274, 20281, 20282, 20283]


def test_forecast_section_shows_the_table_and_points_the_chart_at_the_api(client, world):
    today = timezone.localdate()
    customer = world.east_customer
    make_opportunity(
        owner=world.east_rep,
        customer=customer,
        stage_code="P4",
        amount=D("400000"),
        sign_date=today,
        name="Now",
    )
    client.force_login(world.east_rep)
    response = get_section(client, "forecast_section", customer)
    body = response.content.decode()
    label = f"{today.year} Q{(today.month + 2) // 3}"
    assert f'data-period="{label}"' in body
    assert "¥400,000.00" in body and "¥200,000.00" in body
    assert f'data-url="{reverse("api:customer_forecast", args=[customer.pk])}"' in body
    assert 'id="customer-forecast-labels"' in body


# --- history ---------------------------------------------------------------------------------------


def test_history_section_shows_overrides_and_score_changes_newest_first(client, world):
    customer = world.east_customer
    CustomerChange.objects.create(customer=customer, summary="Computed tier D → C (score 20 → 41)")
    customer_services.override_tier(customer, by=world.east_mgr, tier="A", reason="Strategic account")
    client.force_login(world.east_rep)
    response = get_section(client, "history_section", customer, htmx=False)
    lines = response.context["lines"]
    assert lines[0].text == "Tier overridden to A: Strategic account"
    assert lines[0].changed_by == world.east_mgr
    assert lines[1].text.startswith("Computed tier D → C")
    body = response.content.decode()
    assert "the system" in body and str(world.east_mgr) in body


def test_history_lines_read_in_the_readers_language_whoever_wrote_them(client, world, settings):
    from django.utils import translation

    customer = world.east_customer
    with translation.override("zh-hans"):  # the manager works in Chinese
        customer_services.override_tier(customer, by=world.east_mgr, tier="A", reason="集团框架协议")
    client.force_login(world.east_rep)
    url = reverse("customers:history_section", args=[customer.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Tier overridden to A: 集团框架协议" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(url).content.decode()
    assert "Tier overridden" not in body
    with translation.override("zh-hans"):
        expected = translation.gettext("Tier overridden to %(tier)s: %(reason)s") % {
            "tier": "A",
            "reason": "集团框架协议",
        }
    assert expected != "Tier overridden to A: 集团框架协议" and expected in body


def test_history_section_loads_more_twenty_at_a_time(client, world):
    customer = world.east_customer
    CustomerChange.objects.bulk_create(
        CustomerChange(customer=customer, changed_by=world.east_rep, summary=f"Change {n:02d}")
        for n in range(25)
    )
    client.force_login(world.east_rep)
    first = get_section(client, "history_section", customer).content.decode()
    assert first.count("data-change=") == 20
    assert "Change 24" in first and "Change 04" not in first
    more = reverse("customers:history_section", args=[customer.pk]) + "?offset=20"
    assert f'hx-get="{more}"' in first
    rest = get_section(client, "history_section", customer, offset=20).content.decode()
    assert "<section" not in rest  # only the next lines, appended in place of the button
    assert rest.count("data-change=") == 5 and "Change 00" in rest
    assert "Load more" not in rest
