"""The demo's star ratings: people in role families, last year's evaluation per family published
(one level adjusted by the director, with the reason), so this year's incentives and commission
multipliers hold; and this year's draft for the east team waiting for its manager's review."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Q, QuerySet

from kam.team.stars import services
from kam.team.stars.models import Evaluation, FamilyMember, RoleFamily, Scheme

FAMILIES = {
    "demo_rep_east1": RoleFamily.REGIONAL,
    "demo_rep_east2": RoleFamily.REGIONAL,
    "demo_rep_east3": RoleFamily.REGIONAL,
    "demo_rep_north1": RoleFamily.REGIONAL,
    "demo_rep_north2": RoleFamily.STRATEGIC,
    "demo_rep_south1": RoleFamily.STRATEGIC,
    "demo_rep_south2": RoleFamily.SERVICE,
}
REASON = "带队拿下年度重点项目，过程指标下半年明显改善 / Led the year's key win; process metrics much better in the second half"


def build(builder: Any, rng: random.Random) -> None:
    director = builder.users["demo_director"]
    for username, family in FAMILIES.items():
        if username in builder.users:
            services.assign_family(builder.users[username], family, by=director)
    last_year = builder.today.year - 1
    start, end = dt.date(last_year, 1, 1), dt.date(last_year, 12, 31)
    for scheme in Scheme.objects.filter(active=True).order_by("family"):
        evaluation = services.create_evaluation(scheme, by=director, period_start=start, period_end=end)
        ratings = list(evaluation.ratings.order_by("user__username"))
        if ratings:
            pick = rng.choice(ratings)
            star = min(5, pick.proposed_star + 1)
            services.adjust_rating(pick, by=director, version=pick.version, star=star, reason=REASON)
        services.publish_evaluation(evaluation, by=director, version=evaluation.version)
    regional = Scheme.objects.filter(active=True, family=RoleFamily.REGIONAL).first()
    if regional is not None and "east" in builder.teams:
        services.create_evaluation(
            regional,
            by=builder.manager("east"),
            period_start=dt.date(builder.today.year, 1, 1),
            period_end=dt.date(builder.today.year, 12, 31),
            team=builder.teams["east"],
        )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    touched = Evaluation.objects.filter(
        Q(created_by__in=users) | Q(published_by__in=users) | Q(ratings__user__in=users)
    ).values_list("pk", flat=True)
    Evaluation.objects.filter(pk__in=list(touched)).delete()
    FamilyMember.objects.filter(user__in=users).delete()
