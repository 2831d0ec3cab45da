"""Who manages whom: team subtrees and the people whose work a user may see.

The rules that apply this to the domain's records (customers, opportunities, contacts, targets)
are kam.access.visibility; org defines the people and teams they rest on and imports no app.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kam.org.models import Role, Team, User


def team_subtree_ids(root_ids: list[int]) -> set[int]:
    """Ids of the given teams and every team below them (teams are few; one query per level)."""
    seen: set[int] = set()
    frontier = set(root_ids)
    while frontier:
        seen |= frontier
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
    return seen


def managed_team_ids(user: User) -> set[int]:
    if user.role != Role.MANAGER:
        return set()
    # Cached on the user object: one request asks several times (list, totals, pickers).
    cached = user.__dict__.get("_kam_managed_team_ids")
    if cached is not None:
        return cached
    roots = list(Team.objects.filter(manager=user).values_list("id", flat=True))
    if not roots and user.team_id:
        roots = [user.team_id]
    ids = team_subtree_ids(roots)
    user.__dict__["_kam_managed_team_ids"] = ids
    return ids


def visible_users(user: User) -> QuerySet[User]:
    """The people whose work this user may see (used for owner filters and pickers)."""
    if user.sees_everything:
        return User.objects.filter(is_active=True)
    teams = managed_team_ids(user)
    if teams:
        return User.objects.filter(Q(team_id__in=teams) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def visible_teams(user: User) -> QuerySet[Team]:
    """Teams whose people a user may look at as a group (team pickers of the analysis pages): every
    team for a director, a manager's subtree, a rep's own team (which narrows nothing beyond their
    own work)."""
    if user.sees_everything:
        return Team.objects.order_by("name")
    ids = set(managed_team_ids(user))
    if user.team_id:
        ids.add(user.team_id)
    return Team.objects.filter(pk__in=ids).order_by("name")
