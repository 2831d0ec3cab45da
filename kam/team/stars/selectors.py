"""Reads of star ratings: the incentive a published rating sets, histories and distributions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kam.org.models import User
from kam.team.stars.models import Level, Rating


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
