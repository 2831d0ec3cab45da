"""Priority matrix: quadrant placement, the relationship-score adjustment, visibility, the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.insights.review.portfolio import likelihood, priority_matrix, quadrant
from kam.opportunities import services
from kam.opportunities.selectors import PipelineFilters
from kam.relationships import services as relationship_services
from tests.factories import ContactFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "probability,score,expected",
    [
        (90, 100, Decimal("90.0")),
        (90, 0, Decimal("45.0")),
        (90, 33, Decimal("59.9")),
        (50, 100, Decimal("50.0")),
        (10, 100, Decimal("10.0")),
        (75, 50, Decimal("56.3")),
    ],
)
def test_likelihood_is_probability_adjusted_by_relationship_score(probability, score, expected):
    assert likelihood(probability, score) == expected


@pytest.mark.parametrize(
    "value,chance,expected",
    [
        (1000, 80, "act_now"),
        (1000, 50, "act_now"),  # on the line: upper side
        (999, 50, "take_when_comes"),
        (1000, Decimal("49.9"), "go_after"),
        (10, 10, "shelve"),
    ],
)
def test_quadrant_by_value_and_likelihood(value, chance, expected):
    assert quadrant(Decimal(value), Decimal(chance), Decimal(1000)) == expected


def _full_chain(opportunity, by):
    """Decision maker, technical and business approver at CR3: every requirement up to P5 met."""
    for role in ("decision_maker", "technical_approver", "business_approver"):
        contact = ContactFactory(customer=opportunity.customer)
        relationship_services.set_relationship_level(contact, by, 3, by=by, note="met")
        services.set_contact_role(opportunity, contact, by=by, decision_role=role, stance="A")


def test_matrix_places_opportunities_and_adjusts_by_relationship(world):
    rep, customer = world.east_rep, world.east_customer
    covered = make_opportunity(
        owner=rep, customer=customer, stage_code="P6", amount=Decimal("5000000"), name="covered"
    )
    _full_chain(covered, rep)
    make_opportunity(owner=rep, customer=customer, stage_code="P6", amount=Decimal("5000000"), name="bare")
    small_sure = make_opportunity(
        owner=rep, customer=customer, stage_code="P6", amount=Decimal("1000"), name="small"
    )
    _full_chain(small_sure, rep)

    result = priority_matrix(world.director, value_threshold=Decimal("1000000"))
    points = {p.name: p for p in result.points}
    assert (points["covered"].score, points["covered"].likelihood, points["covered"].quadrant) == (
        100,
        Decimal("90.0"),
        "act_now",
    )
    # Same stage and value, no decision chain: half the probability, below the line.
    assert (points["bare"].score, points["bare"].likelihood, points["bare"].quadrant) == (
        0,
        Decimal("45.0"),
        "go_after",
    )
    assert points["small"].quadrant == "take_when_comes"
    # The world's P0 opportunities (1,000,000, nothing required at P0): 10 %, on the value line.
    assert points["East furnace"].quadrant == "go_after"
    assert points["covered"].url == f"/opportunities/{covered.pk}/"
    assert result.log_scale  # 1,000 to 5,000,000


def test_default_value_threshold_is_the_median(world):
    for amount in (100, 200, 300, 5000000):
        make_opportunity(owner=world.west_rep, customer=world.west_customer, amount=Decimal(amount))
    result = priority_matrix(world.west_rep)
    # 100, 200, 300, 1,000,000 (the world's), 5,000,000: the median is 300.
    assert result.threshold_is_median and result.value_threshold == Decimal("300.00")
    assert result.total == 5


def test_matrix_skips_closed_and_counts_those_without_amount(world):
    closed = make_opportunity(owner=world.west_rep, customer=world.west_customer, name="closed")
    services.close_opportunity(closed, by=world.west_rep, status="lost", reason="price")
    make_opportunity(owner=world.west_rep, customer=world.west_customer, amount=None, name="no amount")
    result = priority_matrix(world.west_rep)
    assert [p.name for p in result.points] == ["West turbine"]
    assert result.without_amount == 1


@pytest.mark.parametrize(
    "username,expected",
    [
        ("east_rep", {"East furnace"}),
        ("east_mgr", {"East furnace", "East rolling mill"}),
        ("west_mgr", {"West turbine"}),
        ("director", {"East furnace", "East rolling mill", "West turbine"}),
    ],
)
def test_matrix_shows_only_visible_opportunities(world, username, expected):
    from kam.org.models import User

    assert {p.name for p in priority_matrix(User.objects.get(username=username)).points} == expected


def test_matrix_filters_by_owner(world):
    result = priority_matrix(world.director, PipelineFilters(owner=world.east_rep2.pk))
    assert [p.name for p in result.points] == ["East rolling mill"]


def test_matrix_page_lists_quadrants_for_no_js(client, world, password):
    client.login(username="east_mgr", password=password)
    response = client.get(reverse("analysis:matrix") + "?value=500000")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-quadrant="go_after"' in html and "East rolling mill" in html
    assert "West turbine" not in html
    assert "¥500,000.00" in html
    assert 'id="matrix-chart"' in html and "value=500000" in html
    bad = client.get(reverse("analysis:matrix") + "?value=lots&owner=" + str(world.east_rep.pk))
    assert bad.status_code == 200 and "Write the value threshold" in bad.content.decode()
    # The chart asks the API for the same figures as the table: the unreadable value is left out.
    chart_url = bad.context["api_query"]
    assert "value=" not in chart_url and f"owner={world.east_rep.pk}" in chart_url


@pytest.mark.parametrize("count", [10, 60])
def test_matrix_page_queries_do_not_grow(client, world, password, count, django_assert_max_num_queries):
    rep = UserFactory(team=world.east)
    for i in range(count):
        opp = make_opportunity(
            owner=rep, customer=world.east_customer, stage_code=f"P{i % 6}", amount=Decimal(1000 + i)
        )
        if i % 5 == 0:
            _full_chain(opp, rep)
    client.login(username="east_mgr", password=password)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("analysis:matrix"))
    assert response.status_code == 200
    assert response.content.decode().count("data-opportunity=") == count + 2
