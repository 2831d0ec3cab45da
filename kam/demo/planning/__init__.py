"""The demo's deal strategy: initiations and approvals, bids, competitor grids, SWOTs, checklists,
fishbones and win/loss reviews on the demo's deals, and the key accounts' account plans. Each tool
writes its own records, in an order where later tools can read earlier ones (a bid reads the
approved initiation)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from kam.demo.planning import (
    accountplans,
    approvals,
    bids,
    checklists,
    competition,
    fishbone,
    initiation,
    swot,
    winloss,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

PARTS = (approvals, initiation, bids, competition, swot, checklists, fishbone, winloss, accountplans)


def build_planning(builder: Any, seed: int) -> None:
    for position, part in enumerate(PARTS):
        # A stream per part: one part's change leaves the others' records as they were.
        part.build(builder, random.Random(f"{seed}-planning-{position}"))


def delete_planning(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    for part in reversed(PARTS):
        part.delete(users, customers, deals)
