"""Writes to contests: create, edit (version-checked), the bonus table, freezing the results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.permissions import may_create_contest, may_edit_contest, may_run_for
from kam.core.errors import ConflictError
from kam.core.versioning import require_version, versioned_update
from kam.org.models import Team, User
from kam.team.contests import selectors
from kam.team.contests.models import Contest, ContestBonus, ContestResult, Metric, ParticipantKind

EDITABLE = ("name", "description", "period_start", "period_end", "metric")


def _check_fields(name: str, period_start: dt.date, period_end: dt.date, metric: str) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the contest.")]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = [_("The contest ends on or after the day it starts.")]
    if metric not in Metric.values:
        errors["metric"] = [_("Pick a metric.")]
    if errors:
        raise ValidationError(errors)


def _check_participants(by: User, kind: str, people: list[User], teams: list[Team]) -> None:
    if kind not in ParticipantKind.values:
        raise ValidationError({"participant_kind": [_("Pick people or teams.")]})
    if kind == ParticipantKind.PEOPLE and not people:
        raise ValidationError({"people": [_("Pick at least one person.")]})
    if kind == ParticipantKind.TEAMS and not teams:
        raise ValidationError({"teams": [_("Pick at least one team.")]})
    if not may_run_for(by, people=people, teams=teams):
        field = "people" if kind == ParticipantKind.PEOPLE else "teams"
        raise ValidationError(
            {field: [_("A manager runs contests for the teams they manage and their people.")]}
        )


def _check_bonuses(bonuses: dict[int, Decimal]) -> None:
    for rank, amount in bonuses.items():
        if rank < 1:
            raise ValidationError({"bonuses": [_("Ranks start at 1.")]})
        if amount < 0:
            raise ValidationError({"bonuses": [_("A bonus cannot be negative.")]})


def create_contest(
    *,
    by: User,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    metric: str,
    participant_kind: str = ParticipantKind.PEOPLE,
    people: list[User] | None = None,
    teams: list[Team] | None = None,
    description: str = "",
    bonuses: dict[int, Decimal] | None = None,
) -> Contest:
    """A new contest, created by a manager for their teams or people (a director for anyone)."""
    if not may_create_contest(by):
        raise PermissionDenied(_("Managers and directors create contests."))
    people = list(people or [])
    teams = list(teams or [])
    _check_fields(name, period_start, period_end, metric)
    _check_participants(by, participant_kind, people, teams)
    _check_bonuses(bonuses or {})
    with transaction.atomic():
        contest = Contest.objects.create(
            name=name.strip(),
            description=description,
            period_start=period_start,
            period_end=period_end,
            metric=metric,
            participant_kind=participant_kind,
            created_by=by,
        )
        if participant_kind == ParticipantKind.PEOPLE:
            contest.people.set(people)
        else:
            contest.teams.set(teams)
        ContestBonus.objects.bulk_create(
            ContestBonus(contest=contest, rank=rank, bonus=amount)
            for rank, amount in sorted((bonuses or {}).items())
        )
    return contest


def _check_editable(contest: Contest, by: User) -> None:
    if not may_edit_contest(by, contest):
        raise PermissionDenied(_("Only who created the contest or a director changes it."))
    if contest.finished_at is not None:
        raise ValidationError(_("The results are frozen: a finished contest no longer changes."))


def update_contest(
    contest: Contest,
    *,
    by: User,
    version: int | None,
    people: list[User] | None = None,
    teams: list[Team] | None = None,
    bonuses: dict[int, Decimal] | None = None,
    **changes: Any,
) -> Contest:
    """Change the contest's fields, participants or bonus table; `version` is the one read."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    require_version(contest, version)
    _check_editable(contest, by)
    merged = {name: changes.get(name, getattr(contest, name)) for name in EDITABLE}
    _check_fields(merged["name"], merged["period_start"], merged["period_end"], merged["metric"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if people is not None or teams is not None:
        _check_participants(
            by,
            contest.participant_kind,
            list(people if people is not None else contest.people.all()),
            list(teams if teams is not None else contest.teams.all()),
        )
    if bonuses is not None:
        _check_bonuses(bonuses)
    with transaction.atomic():
        # Participants and the bonus table are part of the contest: a change to them bumps its version.
        touched = people is not None or teams is not None or bonuses is not None
        before = contest.version
        versioned_update(contest, version, **changes)
        if touched and contest.version == before:
            bumped = Contest.objects.filter(pk=contest.pk, version=before).update(version=F("version") + 1)
            if not bumped:
                raise ConflictError(
                    current_version=Contest.objects.filter(pk=contest.pk)
                    .values_list("version", flat=True)
                    .first()
                )
            contest.version = before + 1
        if people is not None and contest.participant_kind == ParticipantKind.PEOPLE:
            contest.people.set(people)
        if teams is not None and contest.participant_kind == ParticipantKind.TEAMS:
            contest.teams.set(teams)
        if bonuses is not None:
            contest.bonuses.all().delete()
            ContestBonus.objects.bulk_create(
                ContestBonus(contest=contest, rank=rank, bonus=amount)
                for rank, amount in sorted(bonuses.items())
            )
    return contest


def finish_contest(
    contest: Contest, *, by: User, version: int | None, today: dt.date | None = None
) -> Contest:
    """After its period, freeze the ranking: the winners and their bonuses no longer move."""
    require_version(contest, version)
    _check_editable(contest, by)
    today = today or timezone.localdate()
    if today <= contest.period_end:
        raise ValidationError(_("The contest is still running: its results are frozen after its last day."))
    standings = selectors.live_ranking(contest)
    with transaction.atomic():
        versioned_update(contest, version, finished_at=timezone.now(), finished_by=by)
        ContestResult.objects.bulk_create(
            ContestResult(
                contest=contest,
                rank=s.rank,
                user_id=s.user_id,
                team_id=s.team_id,
                label=s.label[:200],
                score=s.score,
                bonus=s.bonus,
            )
            for s in standings
        )
    return contest
