"""Reads of star ratings: the incentive a published rating sets, histories and distributions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from kam.access.team import evaluations_for, ratings_for
from kam.core.bilingual import in_english
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.team.stars.models import Adjustment, Criterion, Evaluation, Level, Rating, RatingValue, Scheme


@dataclass(frozen=True)
class Incentive:
    """What a person's published star level sets (以星级定激励机制)."""

    star: int
    base_band: str
    commission_multiplier: Decimal
    allowance: Decimal


def current_rating(user: User | int, on: dt.date) -> Rating | None:
    """The published rating in force on a day: the latest effective, then the latest published."""
    user_id = user if isinstance(user, int) else user.pk
    return (
        Rating.objects.filter(user_id=user_id, published_at__isnull=False, effective_from__lte=on)
        .select_related("evaluation")
        .order_by("-effective_from", "-published_at", "-id")
        .first()
    )


def incentive_for(user: User | int, on: dt.date) -> Incentive | None:
    """The incentive parameters of the star level published for `user` and in force on `on`, or
    None when none is (no published rating yet, or one below a single star): commission then
    multiplies by 1."""
    rating = current_rating(user, on)
    if rating is None or rating.final_star < 1:
        return None
    level = Level.objects.filter(scheme_id=rating.evaluation.scheme_id, star=rating.final_star).first()
    if level is None:
        return None
    return Incentive(
        star=rating.final_star,
        base_band=level.base_band,
        commission_multiplier=level.commission_multiplier,
        allowance=level.allowance,
    )


# Schemes, evaluations, history -------------------------------------------------------------------


def schemes() -> QuerySet[Scheme]:
    """Every scheme with its levels, criteria and thresholds (four queries whatever their number)."""
    return Scheme.objects.prefetch_related(
        Prefetch("levels", queryset=Level.objects.order_by("star")),
        Prefetch(
            "criteria", queryset=Criterion.objects.order_by("order", "id").prefetch_related("thresholds")
        ),
    ).order_by("family", "-active", "id")


def evaluations(viewer: User) -> QuerySet[Evaluation]:
    return (
        evaluations_for(viewer, Evaluation.objects.select_related("scheme", "team", "created_by"))
        .annotate(people=Count("ratings"))
        .order_by("-period_end", "-id")
    )


def _ratings(qs: QuerySet[Rating]) -> QuerySet[Rating]:
    return qs.select_related("user", "team", "adjusted_by", "evaluation__scheme").prefetch_related(
        Prefetch("values", queryset=RatingValue.objects.order_by("criterion__order", "criterion_id")),
        Prefetch("adjustments", queryset=Adjustment.objects.select_related("by").order_by("at", "id")),
    )


def evaluation_ratings(viewer: User, evaluation: Evaluation) -> list[Rating]:
    """The evaluation's ratings the viewer may see, each with its values and adjustments."""
    return list(
        _ratings(ratings_for(viewer, evaluation.ratings.all())).order_by("user__name", "user__username")
    )


def history(viewer: User, person: User) -> list[Rating]:
    """A person's published ratings, newest first (superseded ones included, marked so)."""
    qs = ratings_for(viewer, Rating.objects.filter(user=person, published_at__isnull=False))
    return list(_ratings(qs).order_by("-effective_from", "-published_at", "-id"))


# Distribution ------------------------------------------------------------------------------------


@dataclass
class TeamRow:
    team_id: int | None
    name: str
    counts: list[int]  # index = star level 0–5

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Distribution:
    on: dt.date
    rows: list[TeamRow]
    totals: list[int]

    @property
    def total(self) -> int:
        return sum(self.totals)

    @property
    def widest(self) -> int:
        return max([*self.totals, 1])


def distribution(viewer: User, on: dt.date) -> Distribution:
    """How many of the people the viewer may see hold each star level on `on`, per team and in
    all: one grouped query (each person's level is their rating in force that day)."""
    in_force = (
        Rating.objects.filter(user=OuterRef("pk"), published_at__isnull=False, effective_from__lte=on)
        .order_by("-effective_from", "-published_at", "-id")
        .values("final_star")[:1]
    )
    rows = (
        visible_users(viewer)
        .filter(is_active=True)
        .annotate(star=Subquery(in_force))
        .filter(star__isnull=False)
        .order_by()
        .values_list("team_id", "team__name", "team__name_en", "star")
        .annotate(n=Count("pk"))
    )
    by_team: dict[int | None, TeamRow] = {}
    totals = [0] * 6
    english = in_english()
    for team_id, name, name_en, star, n in rows:
        row = by_team.get(team_id)
        if row is None:
            label = (name_en if english and name_en else name) or ""
            row = by_team[team_id] = TeamRow(team_id, label, [0] * 6)
        row.counts[star] += n
        totals[star] += n
    ordered = sorted(by_team.values(), key=lambda r: (r.team_id is None, r.name))
    return Distribution(on=on, rows=ordered, totals=totals)
