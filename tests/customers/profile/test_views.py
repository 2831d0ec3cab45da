"""The 360° customer page: the frame and its header, the opportunities section and the history section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kam.customers.models import Customer, CustomerChange
from kam.customers.scoring import services as scoring_services
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from tests.customers.profile.conftest import D, bulk_opportunities, count_queries, get_section
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

SECTIONS = (
    "profile_section",
    "orgchart_section",
    "opportunities_section",
    "forecast_section",
    "history_section",
    "facts",
)

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
        ("orgchart_section", "intersect once"),
        ("opportunities_section", "intersect once"),
        ("forecast_section", "intersect once"),
        ("analysis_section", "intersect once"),
        ("history_section", "intersect once"),
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

    customer = world.east_customer
    client.force_login(world.east_rep)
    frame = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # The frame's facts listen for the score section's event and fetch this fragment again.
    assert 'hx-trigger="kam:score-changed from:body"' in frame
    scoring_services.override_tier(
        customer, by=world.east_mgr, tier="A", reason="Group deal", expected_override=""
    )
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


# --- history ---------------------------------------------------------------------------------------


def test_history_section_shows_overrides_and_score_changes_newest_first(client, world):
    customer = world.east_customer
    CustomerChange.objects.create(customer=customer, summary="Computed tier D → C (score 20 → 41)")
    scoring_services.override_tier(customer, by=world.east_mgr, tier="A", reason="Strategic account")
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
        scoring_services.override_tier(customer, by=world.east_mgr, tier="A", reason="集团框架协议")
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
