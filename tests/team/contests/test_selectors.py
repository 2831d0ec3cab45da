from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kam.access.permissions import may_create_contest
from kam.access.team import contests_for
from kam.activities.models import Activity, ActivityKind
from kam.customers.models import Customer, Segment
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import Role
from kam.relationships.models import DecisionRole
from kam.team.contests import selectors, services
from kam.team.contests.models import Metric, ParticipantKind
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

START = dt.date(2026, 4, 1)
END = dt.date(2026, 6, 30)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _won(opp: Opportunity, amount: str, day: dt.date) -> None:
    Opportunity.objects.filter(pk=opp.pk).update(
        status=OpportunityStatus.WON, amount=Decimal(amount), closed_at=_at(day)
    )


def _contest(w, metric, *, people=None, teams=None, bonuses=None, by=None):
    kind = ParticipantKind.TEAMS if teams else ParticipantKind.PEOPLE
    return services.create_contest(
        by=by or w.director,
        name="Q2 push",
        period_start=START,
        period_end=END,
        metric=metric,
        participant_kind=kind,
        people=people,
        teams=teams,
        bonuses=bonuses or {1: Decimal("5000"), 2: Decimal("2000")},
    )


def test_won_amount_ranking_counts_wins_inside_the_period_only(world):
    w = world
    _won(w.east_opp, "300000", dt.date(2026, 5, 10))
    _won(w.east_opp2, "500000", dt.date(2026, 6, 30))
    _won(w.west_opp, "900000", dt.date(2026, 7, 1))  # a day too late
    contest = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep, w.east_rep2, w.west_rep])
    ranking = selectors.live_ranking(contest)
    assert [(s.rank, s.user_id, s.score, s.bonus) for s in ranking] == [
        (1, w.east_rep2.pk, Decimal("500000"), Decimal("5000")),
        (2, w.east_rep.pk, Decimal("300000"), Decimal("2000")),
        (3, w.west_rep.pk, Decimal("0"), Decimal("0")),
    ]


def test_equal_scores_share_a_rank_and_its_bonus(world):
    w = world
    _won(w.east_opp, "100", START)
    _won(w.west_opp, "100", END)
    contest = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep, w.west_rep, w.east_rep2])
    assert [(s.rank, s.bonus) for s in selectors.live_ranking(contest)] == [
        (1, Decimal("5000")),
        (1, Decimal("5000")),
        (3, Decimal("0")),
    ]


def test_team_ranking_sums_the_team_subtree(world):
    w = world
    sub = TeamFactory(name="East North", parent=w.east)
    north_rep = UserFactory(team=sub)
    _won(make_opportunity(owner=north_rep), "700", dt.date(2026, 5, 1))
    _won(w.east_opp, "100", dt.date(2026, 5, 1))
    _won(w.west_opp, "750", dt.date(2026, 5, 1))
    contest = _contest(w, Metric.WON_AMOUNT, teams=[w.east, w.west])
    ranking = selectors.live_ranking(contest)
    assert [(s.team_id, s.score) for s in ranking] == [
        (w.east.pk, Decimal("800")),
        (w.west.pk, Decimal("750")),
    ]


def test_new_key_accounts_count_key_customers_first_won_in_the_period(world):
    w = world
    Customer.objects.filter(pk=w.east_customer.pk).update(segment=Segment.KEY)
    _won(w.east_opp, "1", dt.date(2026, 5, 1))
    old_key = CustomerFactory(owner=w.east_rep)
    Customer.objects.filter(pk=old_key.pk).update(segment=Segment.KEY)
    _won(make_opportunity(owner=w.east_rep, customer=old_key), "1", dt.date(2025, 1, 1))
    _won(make_opportunity(owner=w.east_rep, customer=old_key), "1", dt.date(2026, 5, 2))  # not new
    _won(w.west_opp, "1", dt.date(2026, 5, 1))  # West Power is not a key account
    contest = _contest(w, Metric.NEW_KEY_ACCOUNTS, people=[w.east_rep, w.west_rep])
    scores = {s.user_id: s.score for s in selectors.live_ranking(contest)}
    assert scores == {w.east_rep.pk: Decimal("1"), w.west_rep.pk: Decimal("0")}


def test_decision_maker_visits_count_done_visits_with_a_decision_maker(world):
    w = world
    boss = ContactFactory(customer=w.east_customer)
    clerk = ContactFactory(customer=w.east_customer)
    OpportunityContact.objects.create(
        opportunity=w.east_opp, contact=boss, decision_role=DecisionRole.DECISION_MAKER
    )
    visit = ActivityKind.objects.get(code="visit")
    call = ActivityKind.objects.get(code="call")

    def log(kind, contact, day, status="done"):
        a = Activity.objects.create(
            kind=kind, start=_at(day), owner=w.east_rep, customer=w.east_customer, summary="x", status=status
        )
        a.contacts.add(contact)

    log(visit, boss, dt.date(2026, 4, 2))
    log(visit, boss, dt.date(2026, 5, 2))
    log(visit, clerk, dt.date(2026, 5, 3))  # not a decision maker
    log(call, boss, dt.date(2026, 5, 4))  # a call is not a visit
    log(visit, boss, dt.date(2026, 5, 5), status="planned")
    log(visit, boss, dt.date(2026, 3, 31))  # before the period
    contest = _contest(w, Metric.DECISION_MAKER_VISITS, people=[w.east_rep])
    assert selectors.live_ranking(contest)[0].score == Decimal("2")


def test_ranking_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    w = world
    for _ in range(5):
        _won(make_opportunity(owner=w.east_rep), "10", dt.date(2026, 5, 1))
    contest = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep, w.east_rep2, w.west_rep])
    with django_assert_max_num_queries(3):
        ranking = selectors.live_ranking(contest)
    assert ranking[0].score == Decimal("50")


def test_everyone_sees_contests_they_take_part_in(world):
    w = world
    east_only = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep], by=w.east_mgr)
    west_team = _contest(w, Metric.WON_AMOUNT, teams=[w.west])
    assert list(contests_for(w.east_rep)) == [east_only]
    assert list(contests_for(w.east_rep2)) == []
    assert list(contests_for(w.west_rep)) == [west_team]
    assert set(contests_for(w.west_mgr)) == {west_team}
    assert set(contests_for(w.east_mgr)) == {east_only}
    assert set(contests_for(w.director)) == {east_only, west_team}


def test_managers_create_for_their_teams_only(world):
    w = world
    with pytest.raises(ValidationError) as error:
        _contest(w, Metric.WON_AMOUNT, people=[w.east_rep, w.west_rep], by=w.east_mgr)
    assert "people" in error.value.message_dict
    with pytest.raises(ValidationError):
        _contest(w, Metric.WON_AMOUNT, teams=[w.west], by=w.east_mgr)
    assert _contest(w, Metric.WON_AMOUNT, teams=[w.east], by=w.east_mgr).pk


def test_a_rep_cannot_create_a_contest(world):
    with pytest.raises(PermissionDenied):
        _contest(world, Metric.WON_AMOUNT, people=[world.east_rep], by=world.east_rep)


def test_finishing_freezes_the_winners(world):
    w = world
    _won(w.east_opp, "300", dt.date(2026, 5, 1))
    contest = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep, w.west_rep])
    with pytest.raises(ValidationError):
        services.finish_contest(contest, by=w.director, version=contest.version, today=END)
    services.finish_contest(contest, by=w.director, version=contest.version, today=END + dt.timedelta(days=1))
    _won(w.west_opp, "900", dt.date(2026, 5, 2))  # after the results were frozen
    ranking = selectors.live_ranking(contest)
    assert [(s.user_id, s.score, s.bonus) for s in ranking] == [
        (w.east_rep.pk, Decimal("300"), Decimal("5000")),
        (w.west_rep.pk, Decimal("0"), Decimal("2000")),
    ]
    with pytest.raises(ValidationError):
        services.update_contest(contest, by=w.director, version=contest.version, name="Again")


def test_bonus_table_change_bumps_the_version(world):
    w = world
    contest = _contest(w, Metric.WON_AMOUNT, people=[w.east_rep])
    services.update_contest(contest, by=w.director, version=1, bonuses={1: Decimal("8000")})
    assert contest.version == 2
    assert selectors.bonus_table(contest) == {1: Decimal("8000")}


def test_manager_role_needed(world):
    rep = UserFactory(role=Role.REP, team=world.east)
    assert not may_create_contest(rep)
    assert may_create_contest(world.east_mgr)
