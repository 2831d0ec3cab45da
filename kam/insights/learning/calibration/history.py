"""A record of calls from the snapshots: per owner, closed calls per category and slips per stage.

A call is one snapshot row (the weekly review takes one per open deal) in the commit or best-case
category. Its outcome is what the opportunity did since: won, lost or dropped (the ratio), and for
the deals won or still open past the date called, the days from that date to the actual one.
Two grouped queries over the snapshot rows of the history window; teams and the company are sums
of their owners' records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kam.insights.learning.calibration.records import CATEGORIES, ZERO, Calls, History, Slip
from kam.insights.models import Snapshot, SnapshotRow
from kam.opportunities.models import OpportunityStatus
from kam.org.models import User

MONEY = DecimalField(max_digits=20, decimal_places=2)
# How long an owner's record is kept (Django's cache): see `histories`.
HISTORY_CACHE_SECONDS = 600
CACHE_PREFIX = "kam:calibration:records"
CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)


class DaysBetween(Func):
    """Whole days from `earlier` to `later` (two dates), negative when `later` is before."""

    output_field = IntegerField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"
        return sql, [*later_params, *earlier_params]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        # PostgreSQL: date − date is an integer number of days.
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return f"(CAST({later} AS date) - CAST({earlier} AS date))", [*later_params, *earlier_params]


# The deal's expected amount now, read from a snapshot row through its opportunity.
WON_AMOUNT = Coalesce(
    F("opportunity__amount"),
    ExpressionWrapper(
        (F("opportunity__amount_low") + F("opportunity__amount_high")) * Value(Decimal("0.5")),
        output_field=MONEY,
    ),
    output_field=MONEY,
)


def _calls_by_owner(since: dt.date) -> dict[int, dict[str, Calls]]:
    """Per owner and category: the closed calls of the snapshots taken since `since` (one query)."""
    won = Q(opportunity__status=OpportunityStatus.WON)
    rows = (
        SnapshotRow.objects.filter(
            snapshot__taken_at__gte=_start_of(since),
            forecast_category__in=CATEGORIES,
            amount__isnull=False,
            opportunity__status__in=CLOSED,
            owner_id__isnull=False,
        )
        .values("owner_id", "forecast_category")
        .annotate(
            calls=Count("pk"),
            called=Sum("amount"),
            won_calls=Count("pk", filter=won),
            won_called=Sum("amount", filter=won),
            won=Sum(WON_AMOUNT, filter=won, output_field=MONEY),
        )
        .order_by()
    )
    result: dict[int, dict[str, Calls]] = defaultdict(dict)
    for row in rows:
        result[row["owner_id"]][row["forecast_category"]] = Calls(
            calls=row["calls"],
            called=row["called"] or ZERO,
            won_calls=row["won_calls"],
            won_called=row["won_called"] or ZERO,
            won=row["won"] or ZERO,
        )
    return result


def _slips_by_owner(since: dt.date, today: dt.date) -> dict[int, dict[int, Slip]]:
    """Per owner and stage order: the slips of the calls since `since` whose outcome in time is
    known: won (the actual sign date), or still open past the date called (its later sign date, at
    least today). Lost and dropped deals bring no money, so their dates say nothing here."""
    actual = Case(
        When(opportunity__status=OpportunityStatus.WON, then=F("opportunity__sign_date")),
        default=Greatest(F("opportunity__sign_date"), Value(today)),
    )
    rows = (
        SnapshotRow.objects.filter(
            Q(opportunity__status=OpportunityStatus.WON)
            | Q(opportunity__status=OpportunityStatus.OPEN, sign_date__lt=today),
            snapshot__taken_at__gte=_start_of(since),
            forecast_category__in=CATEGORIES,
            sign_date__isnull=False,
            opportunity__sign_date__isnull=False,
            owner_id__isnull=False,
        )
        .values("owner_id", "stage_order")
        .annotate(
            samples=Count("pk"),
            days=Sum(DaysBetween(actual, F("sign_date"))),
            label=Min("stage__code"),
        )
        .order_by()
    )
    result: dict[int, dict[int, Slip]] = defaultdict(dict)
    for row in rows:
        result[row["owner_id"]][row["stage_order"]] = Slip(
            samples=row["samples"], days=int(row["days"] or 0), label=row["label"] or ""
        )
    return result


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _records(since: dt.date, today: dt.date) -> dict[int, History]:
    result: dict[int, History] = defaultdict(History)
    for owner_id, calls in _calls_by_owner(since).items():
        for category, figures in calls.items():
            result[owner_id].calls[category] = figures
    for owner_id, slips in _slips_by_owner(since, today).items():
        result[owner_id].slips = slips
    return dict(result)


def histories(since: dt.date, today: dt.date) -> tuple[dict[int, History], dict[int, int | None]]:
    """Every owner's record and every user's team.

    The record reads every snapshot row of the year (a second at a few hundred thousand rows), and
    a year of habits hardly moves in minutes: it is kept HISTORY_CACHE_SECONDS, under the window
    and the latest snapshot (a new snapshot is read at once), so only a deal closed since waits.
    Teams are read fresh: a rep moved to another team borrows the new team's record at once.
    Queries: the latest snapshot's id and the teams, plus the record's two when not kept."""
    latest = Snapshot.objects.order_by("-pk").values_list("pk", flat=True).first()
    key = f"{CACHE_PREFIX}:{since.isoformat()}:{today.isoformat()}:{latest}"
    records = cache.get(key)
    if records is None:
        records = _records(since, today)
        cache.set(key, records, HISTORY_CACHE_SECONDS)
    teams: dict[int, int | None] = dict(User.objects.values_list("pk", "team_id"))
    return records, teams


def pooled(histories_: dict[int, History], owner_ids: Any) -> History:
    total = History()
    for owner_id in owner_ids:
        if owner_id in histories_:
            total.add(histories_[owner_id])
    return total
