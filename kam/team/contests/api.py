"""Contests over JSON: the contests you take part in or run, one with its live ranking and bonus
table, creating (managers for their teams), changing (If-Match) and freezing the results (If-Match)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access.permissions import may_create_contest
from kam.access.team import contests_for, get_visible_contest
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.org.models import Team, User
from kam.org.visibility import visible_users
from kam.team.contests import selectors, services
from kam.team.contests.models import Contest
from kam.team.contests.schemas import (
    ContestBonusRow,
    ContestCreateIn,
    ContestDetailOut,
    ContestOut,
    ContestUpdateIn,
)

router = Router(tags=["team contests"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 403: ErrorOut}
CHANGE_ERRORS: dict[int, Any] = {**VERSIONED_WRITE_ERRORS, 403: ErrorOut}


def _out(contest: Contest, *, ranking: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": contest.pk,
        "name": contest.name,
        "description": contest.description,
        "period_start": contest.period_start,
        "period_end": contest.period_end,
        "metric": contest.metric,
        "participant_kind": contest.participant_kind,
        "state": contest.state(timezone.localdate()),
        "people": [user_ref(p) for p in contest.people.all()],
        "teams": [{"id": t.pk, "name": t.display_name} for t in contest.teams.all()],
        "bonuses": [{"rank": b.rank, "bonus": b.bonus} for b in contest.bonuses.all()],
        "created_by": user_ref(contest.created_by),
        "finished_at": contest.finished_at,
        "version": contest.version,
    }
    if ranking:
        body["ranking"] = [
            {
                "rank": s.rank,
                "participant": {"id": s.team_id or s.user_id or 0, "name": s.label},
                "kind": "teams" if s.team_id else "people",
                "score": s.score,
                "bonus": s.bonus,
            }
            for s in selectors.live_ranking(contest)
        ]
    return body


def _load(user: User, pk: int) -> Contest:
    get_visible_contest(user, pk)
    return (
        Contest.objects.select_related("created_by").prefetch_related("people", "teams", "bonuses").get(pk=pk)
    )


def _people(user: User, ids: list[int]) -> list[User]:
    found = list(visible_users(user).filter(pk__in=ids, is_active=True))
    if len(found) != len(set(ids)):
        raise ValidationError({"people": [_("Pick people you can see.")]})
    return found


def _teams(ids: list[int]) -> list[Team]:
    found = list(Team.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"teams": [_("Unknown team.")]})
    return found


def _bonuses(rows: Sequence[ContestBonusRow]) -> dict[int, Decimal]:
    table = {row.rank: row.bonus for row in rows}
    if len(table) != len(rows):
        raise ValidationError({"bonuses": [_("One bonus per rank.")]})
    return table


@router.get("/contests", response={200: list[ContestOut]})
def list_contests(request: HttpRequest) -> list[dict[str, Any]]:
    """The contests you take part in (in person or with your team), run, or whose people you manage."""
    qs = (
        contests_for(current_user(request))
        .select_related("created_by")
        .prefetch_related("people", "teams", "bonuses")
    )
    return [_out(c) for c in qs]


@router.post("/contests", response={201: ContestDetailOut, **CREATE_ERRORS})
def create_contest(request: HttpRequest, response: HttpResponse, payload: ContestCreateIn) -> Status:
    """A new contest: managers for the teams they manage and their people, directors for anyone."""
    user = current_user(request)
    if not may_create_contest(user):
        raise PermissionDenied(_("Managers and directors create contests."))
    contest = services.create_contest(
        by=user,
        name=payload.name,
        description=payload.description,
        period_start=payload.period_start,
        period_end=payload.period_end,
        metric=payload.metric,
        participant_kind=payload.participant_kind,
        people=_people(user, payload.people),
        teams=_teams(payload.teams),
        bonuses=_bonuses(payload.bonuses),
    )
    contest = _load(user, contest.pk)
    set_etag(response, contest.version)
    return Status(201, _out(contest, ranking=True))


@router.get("/contests/{int:contest_id}", response={200: ContestDetailOut, **READ_ERRORS})
def contest_detail(request: HttpRequest, response: HttpResponse, contest_id: int) -> dict[str, Any]:
    """The contest with its ranking (live, or frozen once finished) and its bonus table."""
    contest = _load(current_user(request), contest_id)
    set_etag(response, contest.version)
    return _out(contest, ranking=True)


@router.patch("/contests/{int:contest_id}", response={200: ContestDetailOut, **CHANGE_ERRORS})
def update_contest(
    request: HttpRequest, response: HttpResponse, contest_id: int, payload: ContestUpdateIn
) -> dict[str, Any]:
    """Change the contest, its people or teams, or its bonus table (who created it, or a director).
    Needs If-Match."""
    user = current_user(request)
    contest = _load(user, contest_id)
    version = expected_version(request, contest.version)
    sent = payload.model_dump(exclude_unset=True)
    refuse_nulls(sent, ("name", "period_start", "period_end", "metric"))
    people = _people(user, sent.pop("people")) if sent.get("people") is not None else None
    teams = _teams(sent.pop("teams")) if sent.get("teams") is not None else None
    bonuses = _bonuses(payload.bonuses) if payload.bonuses is not None else None
    for name in ("people", "teams", "bonuses"):
        sent.pop(name, None)
    if "description" in sent and sent["description"] is None:
        sent["description"] = ""
    services.update_contest(
        contest, by=user, version=version, people=people, teams=teams, bonuses=bonuses, **sent
    )
    contest = _load(user, contest_id)
    set_etag(response, contest.version)
    return _out(contest, ranking=True)


@router.post("/contests/{int:contest_id}/finish", response={200: ContestDetailOut, **CHANGE_ERRORS})
def finish_contest(request: HttpRequest, response: HttpResponse, contest_id: int) -> dict[str, Any]:
    """After the last day, freeze the ranking: the winners and their bonuses become final. Needs If-Match."""
    user = current_user(request)
    contest = _load(user, contest_id)
    version = expected_version(request, contest.version)
    services.finish_contest(contest, by=user, version=version)
    contest = _load(user, contest_id)
    set_etag(response, contest.version)
    return _out(contest, ranking=True)
