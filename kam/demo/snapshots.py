"""The demo's past pipeline snapshots: one at each of the last weekly meetings, and one before the
last closed quarter began, as they would have been taken then.

A snapshot stores the open pipeline of its moment; the demo's deals were written with their
history (created, each stage move, each field edit and the close, all dated), so the pipeline of
any past moment is read back from it: open then, in the stage of its last move by then, with the
amounts and sign date its later edits had not yet changed. The latest snapshot is taken now,
through the snapshot service, like the weekly one in production.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from kam.insights.models import Snapshot, SnapshotRow
from kam.insights.review.selectors import last_closed_quarter
from kam.insights.review.services import take_snapshot
from kam.opportunities.models import Opportunity, OpportunityChange, Stage, StageChange
from kam.org.models import User

WEEKS = 12
MEETING = dt.time(8, 30)  # the weekly meeting, Monday morning
WEEKLY_NOTE = "周例会快照 / Weekly meeting snapshot"
QUARTER_NOTE = "季度初快照 / Start of quarter snapshot"
HALF = Decimal("0.5")
# The field edits a past snapshot undoes, newest first, to see the values of its moment.
EDITED_FIELDS = ("amount", "amount_low", "amount_high", "sign_date")


def meeting_times(today: dt.date, now: dt.datetime) -> list[dt.datetime]:
    """The Monday meetings of the WEEKS - 1 weeks before this one, oldest first (this week's
    snapshot is the one taken now)."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return [
        timezone.make_aware(dt.datetime.combine(this_monday - dt.timedelta(days=7 * back), MEETING))
        for back in range(WEEKS - 1, 0, -1)
    ]


def _value(field: str, text: str) -> object:
    if not text:
        return None
    if field == "sign_date":
        return dt.date.fromisoformat(text)
    return Decimal(text)


class History:
    """The demo's deals with their dated history, read once; `rows_at` gives any moment's pipeline."""

    def __init__(self, opportunities: Iterable[Opportunity]) -> None:
        self.deals = list(opportunities)
        ids = [d.pk for d in self.deals]
        self.stages = {s.pk: s for s in Stage.objects.all()}
        self.moves: dict[int, list[tuple[dt.datetime, int]]] = {}
        for opportunity_id, when, stage_id in (
            StageChange.objects.filter(opportunity_id__in=ids)
            .order_by("changed_at", "id")
            .values_list("opportunity_id", "changed_at", "to_stage_id")
        ):
            self.moves.setdefault(opportunity_id, []).append((when, stage_id))
        self.edits: dict[int, list[tuple[dt.datetime, str, str]]] = {}
        for opportunity_id, when, field, old in (
            OpportunityChange.objects.filter(opportunity_id__in=ids, field__in=EDITED_FIELDS)
            .order_by("-changed_at", "-id")
            .values_list("opportunity_id", "changed_at", "field", "old_value")
        ):
            self.edits.setdefault(opportunity_id, []).append((when, field, old))

    def rows_at(self, moment: dt.datetime, snapshot: Snapshot) -> list[SnapshotRow]:
        rows = []
        for deal in self.deals:
            if deal.created_at > moment or (deal.closed_at is not None and deal.closed_at <= moment):
                continue
            history = self.moves.get(deal.pk, [])
            moves = [stage_id for when, stage_id in history if when <= moment]
            # A deal is created with its first move; should the two differ by a moment, the first counts.
            stage_id = moves[-1] if moves else (history[0][1] if history else deal.stage_id)
            stage = self.stages[stage_id]
            values = {field: getattr(deal, field) for field in EDITED_FIELDS}
            for when, field, old in self.edits.get(deal.pk, []):
                if when > moment:
                    values[field] = _value(field, old)
            amount = values["amount"]
            if amount is None and values["amount_low"] is not None and values["amount_high"] is not None:
                amount = (values["amount_low"] + values["amount_high"]) * HALF
            rows.append(
                SnapshotRow(
                    snapshot=snapshot,
                    opportunity_id=deal.pk,
                    project_number=deal.project_number,
                    name=deal.name,
                    owner_id=deal.owner_id,
                    team_id=deal.owner.team_id,
                    customer_id=deal.customer_id,
                    stage_id=stage.pk,
                    stage_order=stage.order,
                    probability=stage.probability,
                    status="open",
                    amount=amount,
                    sign_date=values["sign_date"],
                    forecast_category=deal.forecast_category or stage.forecast_category or "",
                    product_line=deal.product_line,
                )
            )
        return rows


def build_snapshots(director: User, users: Iterable[User], today: dt.date) -> int:
    """The past snapshots of the demo's deals, then this week's taken now. Returns how many."""
    now = timezone.now()
    deals = Opportunity.objects.filter(owner__in=list(users)).select_related("owner").order_by("pk")
    history = History(deals)
    quarter = last_closed_quarter(today)
    moments = [(m, WEEKLY_NOTE) for m in meeting_times(today, now)]
    quarter_eve = timezone.make_aware(
        dt.datetime.combine(quarter.start - dt.timedelta(days=1), dt.time(17, 0))
    )
    if quarter_eve < moments[0][0]:
        # Forecast accuracy opens on the last closed quarter, against a snapshot from before it.
        moments.insert(0, (quarter_eve, QUARTER_NOTE))
    for moment, note in moments:
        snapshot = Snapshot.objects.create(taken_at=moment, taken_by=director, note=note)
        SnapshotRow.objects.bulk_create(history.rows_at(moment, snapshot), batch_size=500)
    # This week's, through the service (which also brings the stage norms up to date).
    take_snapshot(by=director, note=WEEKLY_NOTE)
    return len(moments) + 1
