"""Whose work a report covers: the team chosen in the picker, limited to what the reader manages.

A director or administrator may choose any team (or the whole company); a manager one of the
teams they manage (or everything they see: themself and their teams); a rep covers their own work
only. A team outside that choice is a 404, never a 403 that tells the team exists. Every figure
is read through the reader's visibility as well, so the scope only ever narrows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from kam.core.ids import parse_id
from kam.org.models import Team, User
from kam.org.visibility import managed_team_ids, team_subtree_ids


@dataclass(frozen=True)
class Scope:
    reader: User
    team: Team | None
    # The owners whose work is covered; None: everyone the reader sees (a director's company).
    owner_ids: frozenset[int] | None
    # A rep's own report: the one owner whose work it is.
    owner: User | None = None

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        if self.owner is not None:
            return str(self.owner)
        if self.owner_ids is None:
            return _("Whole company")
        return _("All my teams")

    @property
    def team_ids(self) -> set[int] | None:
        """The chosen team's subtree (None without a chosen team)."""
        return None if self.team is None else team_subtree_ids([self.team.pk])

    def covers(self, owner_id: int | None) -> bool:
        return self.owner_ids is None or owner_id in self.owner_ids

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "team_id": self.team.pk if self.team is not None else None,
            "owner_id": self.owner.pk if self.owner is not None else None,
        }


def choosable_teams(user: User) -> list[Team]:
    """The teams the reader may choose in the picker, by name (one query)."""
    if user.sees_everything:
        return list(Team.objects.order_by("name"))
    teams = managed_team_ids(user)
    return list(Team.objects.filter(pk__in=teams).order_by("name")) if teams else []


def resolve_scope(user: User, team_param: object = None) -> Scope:
    """The scope a request asks for (`team` query parameter); 404 for a team outside the choice."""
    text = str(team_param or "").strip()
    if text:
        team_id = parse_id(text)
        if team_id is None:
            raise Http404
        if user.sees_everything or team_id in managed_team_ids(user):
            team = Team.objects.filter(pk=team_id).first()
        else:
            team = None
        if team is None:
            raise Http404
        members = User.objects.filter(team_id__in=team_subtree_ids([team.pk])).values_list("pk", flat=True)
        return Scope(user, team, frozenset(members))
    if user.sees_everything:
        return Scope(user, None, None)
    teams = managed_team_ids(user)
    if teams:
        members = User.objects.filter(Q(team_id__in=teams) | Q(pk=user.pk)).values_list("pk", flat=True)
        return Scope(user, None, frozenset(members))
    return Scope(user, None, frozenset({user.pk}), owner=user)
