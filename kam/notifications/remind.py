"""The daily reminder run (`kam remind`, `remind_task`): every producer's reminders due now,
delivered once each (a second run the same day adds nothing)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from kam.notifications.producers import PRODUCERS, Clock
from kam.notifications.services import deliver


def remind(now: dt.datetime | None = None, kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Run the producers (all, or those of `kinds`) at `now` and deliver what they find; returns
    how many notifications each kind created."""
    clock = Clock.at(now)
    wanted = set(PRODUCERS) if kinds is None else set(kinds)
    created: Counter[str] = Counter()
    for kind, produce in PRODUCERS.items():
        if kind in wanted:
            for notification in deliver(produce(clock)):
                created[notification.kind] += 1
    return {kind: created[kind] for kind in PRODUCERS if kind in wanted}
