"""Who sees and rates whom: managers see and rate their teams' people, directors everyone, reps
only their own published ratings (read-only). Local to star ratings: kam.access sits below the
team app and cannot read its records."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.team.stars.models import Evaluation, Rating


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_rate(user: User) -> bool:
    """Managers and those who see everything run evaluations."""
    return _active(user) and (user.sees_everything or user.role == Role.MANAGER)


def may_rate_team(user: User, team: Team | None) -> bool:
    """A whole-company evaluation (no team) is a director's; a manager rates teams they manage."""
    if not may_rate(user):
        return False
    if user.sees_everything:
        return True
    return team is not None and team.pk in managed_team_ids(user)


def check_rate_team(user: User, team: Team | None) -> None:
    if not may_rate_team(user, team):
        raise PermissionDenied(_("Only the team's manager or a director rates these people."))


def may_manage_evaluation(user: User, evaluation: Evaluation) -> bool:
    return may_rate(user) and (user.sees_everything or evaluation.team_id in managed_team_ids(user))


def check_manage_evaluation(user: User, evaluation: Evaluation) -> None:
    if not may_manage_evaluation(user, evaluation):
        raise PermissionDenied(_("Only the team's manager or a director reviews this evaluation."))


def may_adjust(user: User, rating: Rating) -> bool:
    """No one adjusts their own rating."""
    return rating.user_id != user.pk and may_manage_evaluation(user, rating.evaluation)


def check_adjust(user: User, rating: Rating) -> None:
    if not may_adjust(user, rating):
        raise PermissionDenied(_("Only the person's manager adjusts this rating, never the person."))


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


def get_visible_person(user: User, pk: Any) -> User:
    """A person whose star history the user may read: themself, their teams' people, or anyone
    for a director."""
    return get_object_or_404(visible_users(user).select_related("team"), pk=pk)
