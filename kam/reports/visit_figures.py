"""Key accounts visited less often than their visit policy asks, from the activities' under-visited
list (kam.activities.policy), narrowed to the key segment and the report's scope."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from kam.activities.policy.selectors import UnderVisited, under_visited
from kam.customers.models import Segment
from kam.reports import selectors
from kam.reports.scope import Scope
from kam.reports.tables import DATETIME, INT, Column, Figure, Section


def under_visited_key_accounts(scope: Scope, today: dt.date) -> UnderVisited:
    listed = under_visited(
        scope.reader,
        team=scope.team,
        owner=scope.owner,
        today=today,
    )
    return UnderVisited(selectors.scoped(listed.qs.filter(segment=Segment.KEY), scope))


def under_visited_section(scope: Scope, today: dt.date) -> Section:
    listed = under_visited_key_accounts(scope, today)
    count = listed.count()
    rows = [
        {
            "customer": row.customer.name,
            "tier": row.tier,
            "owner": str(row.owner),
            "required": row.required,
            "done": row.done,
            "gap": row.gap,
            "last_touch_at": row.last_touch_at,
            "url": reverse("customers:detail", args=[row.customer.pk]),
        }
        for row in (listed[: selectors.ROW_LIMIT] if count else [])
    ]
    return Section(
        "under_visited",
        _("Under-visited key accounts"),
        [
            Column("customer", _("Customer")),
            Column("tier", _("Tier")),
            Column("owner", _("Owner")),
            Column("required", _("Visits required"), INT),
            Column("done", _("Visits done"), INT),
            Column("gap", _("Gap"), INT),
            Column("last_touch_at", _("Last touch"), DATETIME),
        ],
        rows=rows,
        count=count,
        figures=[Figure("under_visited", _("Under-visited key accounts"), count)],
        note=_("Visits done over the last period of each account's visit policy, up to %(day)s.")
        % {"day": today.isoformat()},
        empty=_("Every key account was visited as often as its policy asks."),
    )
