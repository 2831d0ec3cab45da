from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from kam.planning.competition import selectors, services
from kam.planning.competition.services import CellInput
from tests.factories import CompetitorFactory, make_opportunity

pytestmark = pytest.mark.django_db


def close(opportunity, status, *, year, lost_to=None):
    opportunity_services.close_opportunity(
        opportunity,
        by=opportunity.owner,
        status=status,
        reason="decided",
        lost_to=lost_to,
        closed_at=timezone.make_aware(dt.datetime(year, 6, 1, 12)),
    )
    opportunity.refresh_from_db()
    return opportunity


@pytest.fixture
def history(world):
    """Gamma met us on three closed East deals (won 2026, lost 2025 at P4, dropped 2025), one West
    deal lost to it, and one open deal."""
    gamma = CompetitorFactory(name="Gamma")
    deals = {}
    for key, stage_code, amount in (
        ("won", "P5", "100"),
        ("lost", "P4", "200"),
        ("dropped", "P2", "50"),
        ("open", "P3", "70"),
    ):
        deals[key] = make_opportunity(
            owner=world.east_rep,
            customer=world.east_customer,
            stage_code=stage_code,
            name=f"Deal {key}",
            amount=Decimal(amount),
        )
        services.add_to_deal(deals[key], by=world.east_rep, competitor=gamma)
    close(deals["won"], OpportunityStatus.WON, year=2026)
    close(deals["lost"], OpportunityStatus.LOST, year=2025, lost_to=gamma)
    close(deals["dropped"], OpportunityStatus.DROPPED, year=2025)
    # A West deal never listed Gamma but was lost to it: it counts, for whoever may see it.
    west = make_opportunity(
        owner=world.west_rep, customer=world.west_customer, stage_code="P4", amount=Decimal("999")
    )
    close(west, OpportunityStatus.LOST, year=2025, lost_to=gamma)
    world.gamma, world.deals, world.west_lost = gamma, deals, west
    return world


def test_the_record_counts_and_sums_each_outcome_over_the_deals_one_may_see(history):
    record = selectors.record(history.east_rep, history.gamma)
    overall = record.overall
    assert (overall.won.count, overall.won.amount) == (1, Decimal("100"))
    assert (overall.lost.count, overall.lost.amount) == (1, Decimal("200"))
    assert (overall.dropped.count, overall.dropped.amount) == (1, Decimal("50"))
    assert record.win_rate == 50


def test_the_director_sees_the_other_teams_loss_in_the_record(history):
    record = selectors.record(history.director, history.gamma)
    assert (record.overall.lost.count, record.overall.lost.amount) == (2, Decimal("1199"))


def test_the_record_by_year_and_by_stage_reached(history):
    record = selectors.record(history.east_rep, history.gamma)
    by_year = {row.key: (row.won.count, row.lost.count, row.dropped.count) for row in record.by_year}
    assert by_year == {2026: (1, 0, 0), 2025: (0, 1, 1)}
    by_stage = {row.label.split()[0]: row.total for row in record.by_stage}
    # Won deals reach the won stage; the others keep the furthest stage they reached.
    assert by_stage["P4"] == 1 and by_stage["P2"] == 1
    assert sum(by_stage.values()) == 3


def test_the_deals_behind_a_figure_are_the_ones_counted(history):
    lost = list(selectors.record_deals(history.east_rep, history.gamma, status="lost"))
    assert lost == [history.deals["lost"]]
    in_2025 = set(selectors.record_deals(history.east_rep, history.gamma, year=2025))
    assert in_2025 == {history.deals["lost"], history.deals["dropped"]}
    at_p2 = list(
        selectors.record_deals(
            history.east_rep, history.gamma, stage_order=history.deals["dropped"].furthest_stage_order
        )
    )
    assert at_p2 == [history.deals["dropped"]]
    assert history.west_lost not in set(selectors.record_deals(history.east_rep, history.gamma))


def test_the_record_is_a_fixed_number_of_queries(history, django_assert_num_queries):
    with django_assert_num_queries(4):
        selectors.record(history.director, history.gamma)


def test_the_directory_counts_only_visible_deals(history):
    row = selectors.directory(history.west_rep).get(pk=history.gamma.pk)
    assert (row.deal_count, row.lost_to_count) == (0, 1)
    row = selectors.directory(history.east_rep, "gam").get(pk=history.gamma.pk)
    assert row.deal_count == 4
    assert not selectors.directory(history.east_rep, "zzz").exists()


def test_the_grid_totals_leads_and_trails(deal, dimensions):
    first, second, third = dimensions[:3]
    services.save_grid(
        deal.deal,
        by=deal.east_rep,
        version=1,
        cells=[
            CellInput(first.pk, None, 4),
            CellInput(first.pk, deal.alpha.pk, 2),
            CellInput(first.pk, deal.beta.pk, 3),
            CellInput(second.pk, None, 2),
            CellInput(second.pk, deal.alpha.pk, 5),
            CellInput(third.pk, None, 3),
            CellInput(third.pk, deal.beta.pk, 3, "even"),
        ],
    )
    view = selectors.grid(deal.deal)
    us, alpha, beta = view.sides
    assert (us.total, alpha.total, beta.total) == (9, 7, 6)
    assert (alpha.leads, alpha.trails) == (1, 1)
    assert (beta.leads, beta.trails) == (1, 0)
    rows = {row.dimension.pk: row for row in view.rows}
    assert rows[first.pk].leading and not rows[second.pk].leading and not rows[third.pk].leading
    assert [c.comparison for c in rows[second.pk].cells] == ["", "trail", ""]
    assert (view.leading, view.compared) == (1, 3)


def test_the_grid_is_read_in_a_fixed_number_of_queries(deal, dimensions, django_assert_num_queries):
    services.mark_supporter(deal.deal, by=deal.east_rep, contact=deal.wang, competitor=deal.alpha)
    services.save_grid(
        deal.deal, by=deal.east_rep, version=1, cells=[CellInput(d.pk, None, 3) for d in dimensions]
    )
    with django_assert_num_queries(5):
        view = selectors.grid(deal.deal)
    assert [s.contact.name for s in view.sides[1].supporters] == ["Wang"]


def test_the_state_says_competitors_and_leads_in_one_query(deal, dimensions, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.state(deal.deal, deal.east_rep) == "2 competitors · not scored yet"
    services.save_grid(
        deal.deal,
        by=deal.east_rep,
        version=1,
        cells=[CellInput(d.pk, None, 4) for d in dimensions[:5]]
        + [CellInput(d.pk, deal.alpha.pk, 3) for d in dimensions[:5]]
        + [CellInput(dimensions[4].pk, deal.beta.pk, 5)],
    )
    with django_assert_num_queries(1):
        assert selectors.state(deal.deal, deal.east_rep) == "2 competitors · leading on 4/5"


def test_the_state_of_a_deal_without_competitors(world):
    assert selectors.state(world.east_opp, world.east_rep) == "no competitors yet"
