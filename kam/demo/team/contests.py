"""The demo's contests: this quarter's running sprint on won amount among one team's reps (run by
its manager), a team PK on visits to decision makers across the teams (run by the director), and
last quarter's new-key-account contest with its results frozen."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from kam.team.contests import services
from kam.team.contests.models import Contest, Metric, ParticipantKind


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_end(start: dt.date) -> dt.date:
    month = start.month + 3
    following = dt.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def build(builder: Any, rng: random.Random) -> None:
    today: dt.date = builder.today
    director = builder.users["demo_director"]
    start = _quarter_start(today)
    end = _quarter_end(start)
    keys = [key for key, team in builder.teams.items() if key and team]
    if not keys:
        return
    sprint_team = keys[0]
    services.create_contest(
        by=builder.manager(sprint_team),
        name="季度冲刺：赢单金额 / Quarter sprint: won amount",
        description="本季度赢单金额排名，前三名有奖 / This quarter's won amount; the first three earn a bonus",
        period_start=start,
        period_end=end,
        metric=Metric.WON_AMOUNT,
        participant_kind=ParticipantKind.PEOPLE,
        people=builder.reps(sprint_team),
        bonuses={1: Decimal("20000"), 2: Decimal("10000"), 3: Decimal("5000")},
    )
    services.create_contest(
        by=director,
        name="高层拜访 PK / Decision-maker visits PK",
        description="各团队拜访拍板人的次数 / Visits to decision makers, team against team",
        period_start=start,
        period_end=end,
        metric=Metric.DECISION_MAKER_VISITS,
        participant_kind=ParticipantKind.TEAMS,
        teams=[builder.teams[key] for key in keys],
        bonuses={1: Decimal("30000"), 2: Decimal("10000")},
    )
    last_end = start - dt.timedelta(days=1)
    last_start = _quarter_start(last_end)
    finished = services.create_contest(
        by=director,
        name="新增关键客户 / New key accounts",
        period_start=last_start,
        period_end=last_end,
        metric=Metric.NEW_KEY_ACCOUNTS,
        participant_kind=ParticipantKind.PEOPLE,
        people=[rep for key in keys for rep in builder.reps(key)],
        bonuses={1: Decimal("15000"), 2: Decimal("8000"), 3: Decimal("3000")},
    )
    services.finish_contest(finished, by=director, version=finished.version, today=today)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    Contest.objects.filter(Q(created_by__in=users) | Q(people__in=users)).delete()
