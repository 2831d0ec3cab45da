"""Evaluations end to end: computed from the data, reviewed, adjusted with a reason, published as
history that later publications supersede; and the incentive a published level sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kam.core.errors import ConflictError, RuleViolation
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import Target
from kam.team.stars import services
from kam.team.stars.models import EvaluationStatus, Rating, RoleFamily, Scheme
from kam.team.stars.selectors import distribution, history, incentive_for
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

YEAR = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def won(opportunity: Opportunity, day: dt.date, amount: str) -> None:
    closed = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Opportunity.objects.filter(pk=opportunity.pk).update(
        status=OpportunityStatus.WON, closed_at=closed, amount=Decimal(amount)
    )


def regional() -> Scheme:
    return Scheme.objects.get(family=RoleFamily.REGIONAL, active=True)


@pytest.fixture
def east(world):
    """east_rep and east_rep2 rated as regional reps by east_mgr; certification counted for east_rep."""
    for person in (world.east_rep, world.east_rep2, world.west_rep):
        services.assign_family(person, RoleFamily.REGIONAL, by=world.director)
    return world


@pytest.fixture
def certified(monkeypatch):
    holders: set[int] = set()
    monkeypatch.setattr("kam.team.stars.metrics.certified_user_ids", lambda on: holders)
    return holders


def evaluate(world, by=None, team=None):
    return services.create_evaluation(
        regional(), by=by or world.east_mgr, period_start=YEAR[0], period_end=YEAR[1], team=team or world.east
    )


def rating_of(evaluation, user) -> Rating:
    return evaluation.ratings.get(user=user)


def test_evaluation_rates_everyone_of_the_family_in_the_team(east, certified):
    evaluation = evaluate(east)
    assert set(evaluation.ratings.values_list("user__username", flat=True)) == {"east_rep", "east_rep2"}
    assert evaluation.status == EvaluationStatus.DRAFT


def test_each_criterion_shows_its_value_and_the_level_it_reaches(east, certified):
    won(east.east_opp, dt.date(2026, 6, 30), "3000000")
    Target.objects.create(
        user=east.east_rep, period_start=YEAR[0], period_end=YEAR[1], amount=Decimal("3000000")
    )
    certified.add(east.east_rep.pk)
    rating = rating_of(evaluate(east), east.east_rep)
    values = {v.metric: (v.value, v.star) for v in rating.values.all()}
    assert values["won_revenue"] == (Decimal("3000000.00"), 3)
    assert values["target_attainment"] == (Decimal("100.00"), 4)
    assert values["certified"] == (Decimal("1.00"), 5)
    # no 1×5 metric passed: the process criterion holds the whole rating at one star (all criteria)
    assert values["process_passed"][1] <= 1
    assert rating.proposed_star == rating.final_star == min(star for _v, star in values.values())


@pytest.mark.parametrize(
    ("day", "counted"),
    [
        (dt.date(2025, 12, 31), False),
        (dt.date(2026, 1, 1), True),
        (dt.date(2026, 12, 31), True),
        (dt.date(2027, 1, 1), False),
    ],
)
def test_won_revenue_counts_deals_won_inside_the_period(east, certified, day, counted):
    won(east.east_opp, day, "1000000")
    value = rating_of(evaluate(east), east.east_rep).values.get(metric="won_revenue").value
    assert value == (Decimal("1000000.00") if counted else Decimal(0))


def test_the_strategic_points_rule_counts_new_key_accounts(east, certified):
    strategic = Scheme.objects.get(family=RoleFamily.STRATEGIC, active=True)
    services.assign_family(east.east_rep, RoleFamily.STRATEGIC, by=east.director)
    east.east_customer.tier = "A"
    east.east_customer.save()
    won(east.east_opp, dt.date(2026, 3, 1), "8000000")
    evaluation = services.create_evaluation(
        strategic, by=east.east_mgr, period_start=YEAR[0], period_end=YEAR[1], team=east.east
    )
    rating = rating_of(evaluation, east.east_rep)
    values = {v.metric: (v.value, v.star, v.points) for v in rating.values.all()}
    assert values["new_key_accounts"] == (Decimal("1.00"), 2, Decimal("4.00"))
    assert values["won_revenue"] == (Decimal("8000000.00"), 3, Decimal("9.00"))
    # revenue 9 + new accounts 4 + attainment (no target: 1 level) 3 + uncertified 2 × 2 = 20 → 2★ (15 ≤ 20 < 25)
    assert rating.points == Decimal("20.00")
    assert rating.proposed_star == 2


def test_a_key_account_already_won_before_is_not_new(east, certified):
    strategic = Scheme.objects.get(family=RoleFamily.STRATEGIC, active=True)
    services.assign_family(east.east_rep, RoleFamily.STRATEGIC, by=east.director)
    east.east_customer.tier = "A"
    east.east_customer.save()
    earlier = make_opportunity(owner=east.east_rep, customer=east.east_customer, name="Earlier")
    won(earlier, dt.date(2025, 5, 1), "100")
    won(east.east_opp, dt.date(2026, 3, 1), "100")
    evaluation = services.create_evaluation(
        strategic, by=east.east_mgr, period_start=YEAR[0], period_end=YEAR[1], team=east.east
    )
    assert rating_of(evaluation, east.east_rep).values.get(metric="new_key_accounts").value == 0


def test_adjusting_needs_a_reason_and_keeps_the_proposal(east, certified):
    rating = rating_of(evaluate(east), east.east_rep)
    with pytest.raises(ValidationError) as refused:
        services.adjust_rating(rating, by=east.east_mgr, version=rating.version, star=3, reason="  ")
    assert "reason" in refused.value.message_dict
    services.adjust_rating(rating, by=east.east_mgr, version=rating.version, star=3, reason="Led the big bid")
    rating.refresh_from_db()
    assert (rating.proposed_star, rating.final_star, rating.reason) == (1, 3, "Led the big bid")
    assert list(rating.adjustments.values_list("from_star", "to_star", "reason")) == [
        (1, 3, "Led the big bid")
    ]


def test_a_stale_adjustment_is_a_conflict(east, certified):
    rating = rating_of(evaluate(east), east.east_rep)
    services.adjust_rating(rating, by=east.east_mgr, version=rating.version, star=3, reason="x")
    with pytest.raises(ConflictError):
        services.adjust_rating(rating, by=east.east_mgr, version=1, star=4, reason="y")


def test_only_the_persons_manager_adjusts(east, certified):
    evaluation = evaluate(east)
    with pytest.raises(PermissionDenied):
        services.adjust_rating(
            rating_of(evaluation, east.east_rep), by=east.west_mgr, version=1, star=3, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.adjust_rating(
            rating_of(evaluation, east.east_rep), by=east.east_rep2, version=1, star=3, reason="x"
        )


def test_a_manager_rates_only_teams_they_manage(east, certified):
    with pytest.raises(PermissionDenied):
        evaluate(east, by=east.west_mgr, team=east.east)
    with pytest.raises(PermissionDenied):
        services.create_evaluation(
            regional(), by=east.east_mgr, period_start=YEAR[0], period_end=YEAR[1], team=None
        )
    with pytest.raises(PermissionDenied):
        evaluate(east, by=east.east_rep)


def test_publish_makes_history_and_a_later_publication_supersedes(east, certified):
    first = evaluate(east)
    services.publish_evaluation(first, by=east.east_mgr, version=first.version)
    old = rating_of(first, east.east_rep)
    assert old.published_at is not None
    with pytest.raises(RuleViolation):
        services.adjust_rating(old, by=east.east_mgr, version=old.version, star=4, reason="too late")

    second = evaluate(east)
    new = rating_of(second, east.east_rep)
    services.adjust_rating(new, by=east.east_mgr, version=new.version, star=4, reason="Re-rated")
    services.publish_evaluation(second, by=east.east_mgr, version=second.version)
    old.refresh_from_db()
    assert old.superseded_by_id == new.pk
    assert old.final_star == 1  # history is not rewritten
    assert [r.pk for r in history(east.east_rep, east.east_rep)] == [new.pk, old.pk]


def test_publishing_twice_is_refused(east, certified):
    evaluation = evaluate(east)
    evaluation = services.publish_evaluation(evaluation, by=east.east_mgr, version=evaluation.version)
    with pytest.raises(RuleViolation):
        services.publish_evaluation(evaluation, by=east.east_mgr, version=evaluation.version)


def test_incentive_follows_the_published_level_from_the_day_after_the_period(east, certified):
    evaluation = evaluate(east)
    rating = rating_of(evaluation, east.east_rep)
    services.adjust_rating(rating, by=east.east_mgr, version=rating.version, star=4, reason="Strong year")
    assert incentive_for(east.east_rep, dt.date(2027, 1, 1)) is None  # a draft sets nothing
    services.publish_evaluation(evaluation, by=east.east_mgr, version=evaluation.version)
    assert incentive_for(east.east_rep, dt.date(2026, 12, 31)) is None
    incentive = incentive_for(east.east_rep, dt.date(2027, 1, 1))
    assert incentive is not None
    assert (incentive.star, incentive.base_band, incentive.commission_multiplier) == (
        4,
        "B4",
        Decimal("1.15"),
    )
    assert incentive.allowance == Decimal("2000.00")


def test_rerun_follows_the_data_and_keeps_an_adjusted_level(east, certified):
    evaluation = evaluate(east)
    adjusted = rating_of(evaluation, east.east_rep)
    services.adjust_rating(adjusted, by=east.east_mgr, version=adjusted.version, star=3, reason="x")
    certified.add(east.east_rep2.pk)
    won(east.east_opp2, dt.date(2026, 5, 1), "100")
    evaluation = services.rerun_evaluation(evaluation, by=east.east_mgr, version=evaluation.version)
    assert rating_of(evaluation, east.east_rep).final_star == 3
    assert rating_of(evaluation, east.east_rep2).values.get(metric="won_revenue").value == Decimal("100.00")


def test_distribution_counts_levels_in_force_per_team(east, certified):
    for team, mgr in ((east.east, east.east_mgr), (east.west, east.west_mgr)):
        evaluation = evaluate(east, by=mgr, team=team)
        services.publish_evaluation(evaluation, by=mgr, version=evaluation.version)
    everyone = distribution(east.director, dt.date(2027, 1, 1))
    assert {row.name: row.counts[1] for row in everyone.rows} == {"East": 2, "West": 1}
    assert everyone.totals[1] == 3
    assert distribution(east.director, dt.date(2026, 12, 31)).total == 0
    assert [row.name for row in distribution(east.east_mgr, dt.date(2027, 1, 1)).rows] == ["East"]


def test_a_manager_reads_their_peoples_published_company_wide_ratings(east, certified):
    evaluation = services.create_evaluation(
        regional(), by=east.director, period_start=YEAR[0], period_end=YEAR[1]
    )
    assert history(east.east_mgr, east.east_rep) == []
    services.publish_evaluation(evaluation, by=east.director, version=evaluation.version)
    assert [r.user_id for r in history(east.east_mgr, east.east_rep)] == [east.east_rep.pk]
    assert history(east.west_mgr, east.east_rep) == []
