"""What a user may see of the team's records (kam.team): commission statements and plans, star
evaluations, ratings and schemes, contests.

Same rules as kam.access.visibility: lists filter through `<things>_for(user, qs)`, a route that
takes an id asks `get_visible_<thing>(user, pk)`, which answers 404 for anything outside.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from kam.access.permissions import may_rate
from kam.org.models import Team, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.team.commission.models import CommissionPlan, Statement
from kam.team.contests.models import Contest
from kam.team.stars.models import Evaluation, Rating, Scheme


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


# Commission: a person sees their own statements, a manager those of the managed subtree's people,
# directors and administrators everyone's ------------------------------------------------------------


def statements_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    qs = Statement.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(person__in=visible_users(user).values("pk"))


def get_visible_statement(user: User, pk: Any, *, for_update: bool = False) -> Statement:
    qs = statements_for(user, Statement.objects.select_related("person", "plan", "approved_by", "previous"))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def get_visible_commission_plan(user: User, pk: Any) -> CommissionPlan:
    """Plans are the company's rules: everyone signed in reads them."""
    if not _active(user):
        raise PermissionDenied
    return get_object_or_404(CommissionPlan, pk=pk)


# Star ratings: managers see their teams' evaluations and people, directors everyone, reps only
# their own published ratings ------------------------------------------------------------------------


def evaluations_for(user: User, qs: QuerySet[Evaluation] | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.all() if qs is None else qs
    if not may_rate(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(team_id__in=managed_team_ids(user))


def ratings_for(user: User, qs: QuerySet[Rating] | None = None) -> QuerySet[Rating]:
    """Managers: the ratings of the evaluations they run (drafts included) and the published
    ratings of their teams' people (a director's company-wide evaluation too); a rep (and a manager
    for themself): only their own published ones."""
    qs = Rating.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    own = Q(user_id=user.pk, published_at__isnull=False)
    teams = managed_team_ids(user)
    if teams:
        theirs = Q(evaluation__team_id__in=teams) | Q(published_at__isnull=False, user__team_id__in=teams)
        return qs.filter(own | (theirs & ~Q(user_id=user.pk)))
    return qs.filter(own)


def get_visible_evaluation(user: User, pk: Any, *, for_update: bool = False) -> Evaluation:
    qs = evaluations_for(user, Evaluation.objects.select_related("scheme", "team"))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def get_visible_rating(user: User, pk: Any, *, for_update: bool = False) -> Rating:
    qs = ratings_for(user, Rating.objects.select_related("evaluation", "user"))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def get_visible_rated_person(user: User, pk: Any) -> User:
    """A person whose star history (and role family) the user may read: themself, their teams'
    people, or anyone for a director; with their team."""
    return get_object_or_404(visible_users(user).select_related("team"), pk=pk)


def get_visible_star_scheme(user: User, pk: Any, *, queryset: QuerySet[Scheme] | None = None) -> Scheme:
    """Rating schemes are the company's rules: everyone signed in reads them (`queryset` carries
    the caller's prefetches)."""
    qs = Scheme.objects.all() if queryset is None else queryset
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)


# Contests --------------------------------------------------------------------------------------------


def _team_and_ancestors(team_id: int | None) -> set[int]:
    """The person's team and every team above it: taking part as a team includes its subteams."""
    found: set[int] = set()
    while team_id is not None and team_id not in found:
        found.add(team_id)
        team_id = Team.objects.filter(pk=team_id).values_list("parent_id", flat=True).first()
    return found


def contests_for(user: User, qs: QuerySet[Contest] | None = None) -> QuerySet[Contest]:
    """Everyone sees the contests they take part in (in person or through their team) and those
    they created; a manager also those with people or teams of the managed subtree; directors all."""
    qs = Contest.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    taking_part = Q(created_by=user) | Q(people=user)
    own_teams = _team_and_ancestors(user.team_id)
    if own_teams:
        taking_part |= Q(teams__in=own_teams)
    managed = managed_team_ids(user)
    if managed:
        taking_part |= Q(teams__in=managed) | Q(people__team_id__in=managed)
    ids = Contest.objects.filter(taking_part).values("pk")
    return qs.filter(pk__in=ids)


def get_visible_contest(user: User, pk: Any, *, for_update: bool = False) -> Contest:
    qs = contests_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)
