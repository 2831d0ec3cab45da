"""Reading the rollups (kam.opportunities.models.ForecastRollup, FunnelRollup …) for the insights.

A rollup answers for a user when its cells say everything the user sees: a director sees every
cell; a manager or rep sees the cells of the owners they see (`rollup_visibility`), which is all
they see unless they are on the deal team of a deal owned by someone else. Such a membership on a
deal the figure counts sends the reader to the live rows; the check rides along the aggregate
query instead of costing one of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Exists, IntegerField, Max, QuerySet
from django.db.models.functions import Cast

from kam.opportunities.models import NO_SIGN_MONTH, OpportunityMember


def month_key(day: dt.date) -> int:
    """The rollup's sign month of a date (year × 100 + month)."""
    return day.year * 100 + day.month


def whole_months(start: dt.date | None, end: dt.date | None) -> tuple[int, int | None] | None:
    """The sign months [start, end] covers (open-ended where None; never the "no sign date" month),
    or None when a bound cuts a month: the rollup counts whole months only."""
    if start is not None and start.day != 1:
        return None
    if end is not None and (end + dt.timedelta(days=1)).day != 1:
        return None
    return (NO_SIGN_MONTH + 1 if start is None else month_key(start), None if end is None else month_key(end))


def money(milli: int | None) -> Decimal:
    """Thousandths of a yuan as an exact Decimal."""
    return Decimal(milli or 0) / 1000


def rows_unless_blocked(rows: QuerySet, elsewhere: QuerySet[OpportunityMember] | None) -> list[Any] | None:
    """The grouped rows of a rollup query, or None when the user is on the deal team of a deal in
    `elsewhere` (deals the figure counts, owned by someone whose cells the user does not see)."""
    if elsewhere is None:
        return list(rows)
    result = list(rows.annotate(blocked=Max(Cast(Exists(elsewhere), IntegerField()))))
    if any(row["blocked"] for row in result):
        return None
    if not result and elsewhere.exists():
        return None
    return result
