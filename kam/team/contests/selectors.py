"""Reads of contests: who sees which, and the live ranking computed by SQL aggregates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kam.activities.models import Activity, ActivityStatus
from kam.customers.models import Customer, Segment
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import User
from kam.org.visibility import team_subtree_ids
from kam.relationships.models import DecisionRole
from kam.team.contests.models import Contest, ContestResult, Metric, ParticipantKind

ZERO = Decimal("0")


# The ranking -------------------------------------------------------------------------------------


@dataclass
class Standing:
    rank: int
    label: str
    score: Decimal
    bonus: Decimal
    user_id: int | None = None
    team_id: int | None = None


def _bounds(contest: Contest) -> tuple[dt.datetime, dt.datetime]:
    """The period as a half-open span of aware times: from the first day's start to the day after."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(contest.period_start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(contest.period_end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def scores_by_person(contest: Contest, person_ids: set[int]) -> dict[int, Decimal]:
    """Each person's score on the contest's metric: one aggregate query grouped by person."""
    if not person_ids:
        return {}
    start, end = _bounds(contest)
    money = DecimalField(max_digits=20, decimal_places=2)
    rows: Iterable[tuple[int, Any]]
    if contest.metric == Metric.WON_AMOUNT:
        rows = (
            Opportunity.objects.filter(
                status=OpportunityStatus.WON, closed_at__gte=start, closed_at__lt=end, owner_id__in=person_ids
            )
            .values("owner_id")
            .annotate(score=Coalesce(Sum(Coalesce("amount", "sort_amount")), Value(ZERO), output_field=money))
            .values_list("owner_id", "score")
        )
    elif contest.metric == Metric.NEW_KEY_ACCOUNTS:
        # A key account is new in the period when its first won deal closed in it.
        first_win = (
            Opportunity.objects.filter(customer=OuterRef("pk"), status=OpportunityStatus.WON)
            .order_by("closed_at")
            .values("closed_at")[:1]
        )
        rows = (
            Customer.objects.filter(segment=Segment.KEY, owner_id__in=person_ids)
            .annotate(first_win=Subquery(first_win))
            .filter(first_win__gte=start, first_win__lt=end)
            .values("owner_id")
            .annotate(score=Count("pk"))
            .values_list("owner_id", "score")
        )
    else:
        # A visit done with a contact who is the decision maker in any deal's decision chain.
        with_decision_maker = OpportunityContact.objects.filter(
            decision_role=DecisionRole.DECISION_MAKER, contact__activities=OuterRef("pk")
        )
        rows = (
            Activity.objects.filter(
                status=ActivityStatus.DONE,
                kind__counts_as_visit=True,
                start__gte=start,
                start__lt=end,
                owner_id__in=person_ids,
            )
            .filter(Exists(with_decision_maker))
            .values("owner_id")
            .annotate(score=Count("pk"))
            .values_list("owner_id", "score")
        )
    return {owner: Decimal(score) for owner, score in rows}


Entry = tuple[str, Decimal, int | None, int | None]


def _ranked(entries: list[Entry], bonuses: dict[int, Decimal]) -> list[Standing]:
    """Highest score first; equal scores share a rank (1, 1, 3) and each takes its rank's bonus."""
    entries = sorted(entries, key=lambda e: (-e[1], e[0]))
    standings: list[Standing] = []
    for position, (label, score, user_id, team_id) in enumerate(entries, start=1):
        rank = standings[-1].rank if standings and standings[-1].score == score else position
        standings.append(Standing(rank, label, score, bonuses.get(rank, ZERO), user_id, team_id))
    return standings


def bonus_table(contest: Contest) -> dict[int, Decimal]:
    return dict(contest.bonuses.values_list("rank", "bonus"))


def live_ranking(contest: Contest) -> list[Standing]:
    """The ranking now: the frozen results of a finished contest, else computed from the data."""
    if contest.finished_at is not None:
        return [
            Standing(r.rank, r.label, r.score, r.bonus, r.user_id, r.team_id)
            for r in ContestResult.objects.filter(contest=contest).order_by("rank", "label")
        ]
    bonuses = bonus_table(contest)
    if contest.participant_kind == ParticipantKind.PEOPLE:
        people = list(contest.people.all())
        scores = scores_by_person(contest, {p.pk for p in people})
        return _ranked([(str(p), scores.get(p.pk, ZERO), p.pk, None) for p in people], bonuses)
    teams = list(contest.teams.all())
    # Each team counts the people of its subtree (teams are few; their members one query).
    subtrees = {team.pk: team_subtree_ids([team.pk]) for team in teams}
    all_team_ids = set().union(*subtrees.values()) if subtrees else set()
    members = list(User.objects.filter(team_id__in=all_team_ids, is_active=True).values_list("pk", "team_id"))
    scores = scores_by_person(contest, {pk for pk, _team in members})
    entries: list[Entry] = []
    for team in teams:
        total = sum((scores.get(pk, ZERO) for pk, team_id in members if team_id in subtrees[team.pk]), ZERO)
        entries.append((team.display_name, total, None, team.pk))
    return _ranked(entries, bonuses)


def participants_label(contest: Contest) -> str:
    if contest.participant_kind == ParticipantKind.TEAMS:
        return ", ".join(t.display_name for t in contest.teams.all())
    return ", ".join(str(p) for p in contest.people.all())
