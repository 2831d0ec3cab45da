"""The weekly review's figures over the pipeline (the portfolio shape's open counts and amounts,
forecast accuracy's won side) read the pipeline rollup, with the live SQL's figures; a user on
the deal team of someone else's deal reads the opportunities where that deal counts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from kam.insights.review import selectors as review
from kam.insights.review.portfolio import portfolio_shape
from kam.opportunities import rollups, services
from kam.opportunities.models import OpportunityStatus, Stage
from kam.org.models import Role
from tests.factories import CustomerFactory, UserFactory, default_process, make_opportunity

pytestmark = pytest.mark.django_db

Q3 = review.parse_period("2026 Q3")
CENT = Decimal("0.01")


@pytest.fixture
def pipeline(world):
    """Thirty deals at random (seeded): amounts whole, in cents, as ranges or missing, sign dates in
    and around 2026 Q3 or none, some won, lost or reassigned, owners in both teams and in none."""
    w = world
    w.loner = UserFactory(username="loner", role=Role.REP, team=None)
    people = [w.east_rep, w.east_rep2, w.west_rep, w.east_mgr, w.loner]
    stages = list(Stage.objects.filter(process=default_process()).order_by("order"))
    chance = random.Random(12)
    for _i in range(30):
        owner = chance.choice(people)
        kind = chance.choice(["whole", "cents", "range", "none"])
        amount = low = high = None
        if kind == "whole":
            amount = Decimal(chance.randint(1, 900_000))
        elif kind == "cents":
            amount = Decimal(chance.randint(1, 90_000_000)) / 100
        elif kind == "range":
            low = Decimal(chance.randint(1, 90_000)) / 100
            high = low + Decimal(chance.randint(1, 9_999)) / 100
        sign = chance.choice([None, dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2026, 9, 30)])
        if sign is None and kind == "none":
            sign = dt.date(2026, 8, 15)
        deal = services.create_opportunity(
            by=owner,
            customer=CustomerFactory(owner=owner),
            owner=owner,
            name="Deal",
            # Ranges, missing amounts and missing sign dates are early-stage facts.
            stage=chance.choice(stages[:7] if amount is not None and sign else stages[:2]),
            amount=amount,
            amount_low=low,
            amount_high=high,
            sign_date=sign,
        )
        fate = chance.choice(["open", "open", "won", "won", "lost"])
        if fate != "open":
            services.close_opportunity(deal, by=owner, status=fate, reason="Decided")
    assert rollups.verify() == []
    return w


def shape_figures(shape) -> tuple:
    def rows(entries):
        return [(r.key, r.counts, r.amounts, r.diagnosis.code, r.diagnosis.reasoning) for r in entries]

    return rows(shape.reps), rows(shape.teams)


def won_figures(rows: dict) -> dict:
    return {
        key: (
            row["owner__name"],
            row["owner__username"],
            row["count"],
            Decimal(row["won"] or 0).quantize(CENT),
        )
        for key, row in rows.items()
    }


def accuracy_figures(result) -> tuple:
    return result.by_owner, result.won, result.won_count


def test_the_portfolio_shape_reads_the_rollup_with_the_live_figures(pipeline):
    w = pipeline
    viewers = [w.director, w.admin, w.east_mgr, w.west_mgr, w.east_rep, w.west_rep, w.loner]
    for user in viewers:
        assert shape_figures(portfolio_shape(user)) == shape_figures(portfolio_shape(user, use_rollup=False))
    for team in (w.east, w.west):
        assert shape_figures(portfolio_shape(w.director, team.pk)) == shape_figures(
            portfolio_shape(w.director, team.pk, use_rollup=False)
        )
    # A deal team membership elsewhere changes nothing: the shape's rows are people the user sees.
    services.set_member(w.west_opp, w.east_rep, by=w.west_rep, role="member")
    assert shape_figures(portfolio_shape(w.east_rep)) == shape_figures(
        portfolio_shape(w.east_rep, use_rollup=False)
    )


def test_a_reassigned_deal_moves_between_rows_on_both_paths(pipeline):
    w = pipeline
    deal = make_opportunity(
        owner=w.east_rep, customer=w.east_customer, stage_code="P3", amount=Decimal("5.5")
    )
    services.update_opportunity(deal, by=w.east_rep, version=None, owner=w.west_rep)
    shape = portfolio_shape(w.director)
    assert shape_figures(shape) == shape_figures(portfolio_shape(w.director, use_rollup=False))


def test_forecast_accuracy_reads_the_won_deals_from_the_rollup(pipeline):
    w = pipeline
    snapshot = None
    for user in (w.director, w.east_mgr, w.west_mgr, w.east_rep, w.loner):
        for period in (Q3, review.parse_period("2026-07"), review.parse_period("2026-06")):
            assert accuracy_figures(review.forecast_accuracy(user, period, snapshot)) == accuracy_figures(
                review.forecast_accuracy(user, period, snapshot, use_rollup=False)
            ), (user, period)
    assert review.forecast_accuracy(w.director, Q3, None).won_count > 0


def test_a_deal_team_membership_on_a_won_deal_elsewhere_reads_the_opportunities(
    pipeline, django_assert_num_queries
):
    w = pipeline
    deal = make_opportunity(
        owner=w.west_rep,
        customer=w.west_customer,
        stage_code="P5",
        amount=Decimal("77.70"),
        sign_date=dt.date(2026, 8, 1),
    )
    services.close_opportunity(deal, by=w.west_rep, status=OpportunityStatus.WON, reason="Signed")
    services.set_member(deal, w.loner, by=w.west_rep, role="member")
    # The rollup's attempt, then the opportunities.
    with django_assert_num_queries(2):
        rows = review.won_per_owner(w.loner, Q3)
    assert rows[w.west_rep.pk]["won"] == Decimal("77.70")
    assert won_figures(rows) == won_figures(review.won_per_owner(w.loner, Q3, use_rollup=False))
    # In a period where that deal did not sign, the rollup answers: one query.
    own = make_opportunity(owner=w.loner, stage_code="P5", amount=Decimal("3"), sign_date=dt.date(2026, 6, 5))
    services.close_opportunity(own, by=w.loner, status=OpportunityStatus.WON, reason="Signed")
    june = review.parse_period("2026-06")
    with django_assert_num_queries(1):
        rows = review.won_per_owner(w.loner, june)
    assert won_figures(rows) == won_figures(review.won_per_owner(w.loner, june, use_rollup=False))
    assert rows[w.loner.pk]["won"] == Decimal("3.00")


def test_the_weekly_figures_cost_a_fixed_number_of_queries(pipeline, django_assert_num_queries):
    w = pipeline
    deal = make_opportunity(
        owner=w.east_rep, customer=w.east_customer, stage_code="P5", sign_date=dt.date(2026, 9, 1)
    )
    services.close_opportunity(deal, by=w.east_rep, status=OpportunityStatus.WON, reason="Signed")
    with django_assert_num_queries(1):
        review.won_per_owner(w.director, Q3)
    # The deal team check rides along the aggregate.
    with django_assert_num_queries(1):
        review.won_per_owner(w.east_rep, Q3)
    # With no cell to ride along, it costs a query of its own.
    with django_assert_num_queries(2):
        review.won_per_owner(w.east_rep, review.parse_period("2025 Q1"))
    # Policy, process, stages, open cells by rep, people, teams, open cells by team.
    with django_assert_num_queries(7):
        portfolio_shape(w.director)
