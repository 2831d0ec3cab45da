"""kam.access.team and the team decisions in kam.access.permissions: who sees the team's records by
id (404 outside, so a refusal never tells they exist) and who decides about them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from kam.access.permissions import (
    may_adjust,
    may_approve_statement,
    may_create_contest,
    may_edit_contest,
    may_manage_evaluation,
    may_set_split,
    may_submit_statement,
)
from kam.access.team import (
    get_visible_commission_plan,
    get_visible_contest,
    get_visible_evaluation,
    get_visible_rated_person,
    get_visible_rating,
    get_visible_star_scheme,
    get_visible_statement,
)
from kam.access.visibility import get_visible_stage, get_visible_win_model
from kam.insights.learning.models import WinModel
from kam.opportunities.models import Stage
from kam.team.commission import services as commission
from kam.team.contests.models import Contest, Metric
from kam.team.stars import services as stars
from kam.team.stars.models import RoleFamily, Scheme
from tests.team.commission.helpers import Q3_END, Q3_START, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(world):
    for person in (world.east_rep, world.east_rep2):
        stars.assign_family(person, RoleFamily.REGIONAL, by=world.director)
    scheme = Scheme.objects.get(family=RoleFamily.REGIONAL, active=True)
    return stars.create_evaluation(
        scheme,
        by=world.east_mgr,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        team=world.east,
    )


def test_an_evaluation_is_seen_by_its_teams_manager_and_a_director_only(world, evaluation):
    assert get_visible_evaluation(world.east_mgr, evaluation.pk) == evaluation
    assert get_visible_evaluation(world.director, evaluation.pk) == evaluation
    for outsider in (world.west_mgr, world.east_rep):
        with pytest.raises(Http404):
            get_visible_evaluation(outsider, evaluation.pk)
    assert may_manage_evaluation(world.east_mgr, evaluation)
    assert not may_manage_evaluation(world.west_mgr, evaluation)


def test_a_draft_rating_is_not_the_rated_persons_to_see_or_adjust(world, evaluation):
    rating = evaluation.ratings.get(user=world.east_rep)
    assert get_visible_rating(world.east_mgr, rating.pk) == rating
    with pytest.raises(Http404):
        get_visible_rating(world.east_rep, rating.pk)
    assert may_adjust(world.east_mgr, rating)
    assert not may_adjust(world.west_mgr, rating)


def test_a_rated_person_is_seen_by_themself_and_those_above(world):
    assert get_visible_rated_person(world.east_rep, world.east_rep.pk) == world.east_rep
    assert get_visible_rated_person(world.east_mgr, world.east_rep.pk) == world.east_rep
    with pytest.raises(Http404):
        get_visible_rated_person(world.west_mgr, world.east_rep.pk)


def test_shared_rules_are_read_by_everyone_signed_in_and_not_by_an_inactive_account(world):
    scheme = Scheme.objects.filter(active=True).first()
    stage = Stage.objects.first()
    model = WinModel.objects.create(version=1, trained_at=timezone.now(), verdict=WinModel.Verdict.TOO_FEW)
    assert get_visible_star_scheme(world.east_rep, scheme.pk) == scheme
    assert get_visible_stage(world.east_rep, stage.pk) == stage
    assert get_visible_win_model(world.admin, model.pk) == model
    world.east_rep.is_active = False
    for fetch, pk in (
        (get_visible_star_scheme, scheme.pk),
        (get_visible_stage, stage.pk),
        (get_visible_win_model, model.pk),
    ):
        with pytest.raises(Http404):
            fetch(world.east_rep, pk)


def test_a_statement_is_its_persons_and_their_managers(world):
    commission_plan = plan(world.director, [world.east_rep])
    statement = commission.create_statement(
        world.east_rep, by=world.east_mgr, period_start=Q3_START, period_end=Q3_END
    )
    assert get_visible_statement(world.east_rep, statement.pk) == statement
    assert get_visible_statement(world.east_mgr, statement.pk) == statement
    with pytest.raises(Http404):
        get_visible_statement(world.west_mgr, statement.pk)
    assert get_visible_commission_plan(world.west_rep, commission_plan.pk) == commission_plan
    assert may_submit_statement(world.east_rep, statement)
    assert not may_approve_statement(world.east_rep, statement)
    assert may_approve_statement(world.east_mgr, statement)
    world.east_mgr.is_active = False
    assert not may_approve_statement(world.east_mgr, statement)
    with pytest.raises(PermissionDenied):
        get_visible_commission_plan(world.east_mgr, commission_plan.pk)


def test_a_deals_split_is_its_owners_and_their_managers(world):
    assert may_set_split(world.east_rep, world.east_opp)
    assert may_set_split(world.east_mgr, world.east_opp)
    assert not may_set_split(world.east_rep2, world.east_opp)
    assert not may_set_split(world.west_mgr, world.east_opp)


def test_a_contest_is_seen_by_its_people_and_edited_by_its_creator(world):
    contest = Contest.objects.create(
        name="Q3 push",
        metric=Metric.WON_AMOUNT,
        period_start=Q3_START,
        period_end=Q3_END,
        created_by=world.east_mgr,
    )
    contest.people.add(world.east_rep)
    assert get_visible_contest(world.east_rep, contest.pk) == contest
    with pytest.raises(Http404):
        get_visible_contest(world.west_rep, contest.pk)
    assert may_create_contest(world.east_mgr) and not may_create_contest(world.east_rep)
    assert may_edit_contest(world.east_mgr, contest) and not may_edit_contest(world.west_mgr, contest)
