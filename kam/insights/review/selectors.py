"""Pipeline snapshots: taking one, comparing two ("what changed"), and forecast accuracy.

A snapshot stores one row per open opportunity. Comparisons are SQL joins of two row sets:
the later set (a snapshot, or the live pipeline for "now") LEFT JOINs the earlier snapshot's
row of the same opportunity; what left the open set is the earlier set anti-joined with the
later one and read against the opportunity's current status. Counts and amounts per section
come from filtered aggregates, the listed rows from one query per section.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import opportunities_for
from kam.core.periods import parse_quarter, quarter_bounds
from kam.insights.forecast.rollup import money, rows_unless_blocked, whole_months
from kam.insights.models import Snapshot, SnapshotRow
from kam.opportunities.models import Opportunity, OpportunityStatus, PipelineRollup
from kam.opportunities.selectors import EXPECTED_AMOUNT, rollup_visibility
from kam.org.models import User

# A section lists at most this many rows; its count and amount always cover all of them.
SECTION_ROW_LIMIT = 200
MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


def _money(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


# --- taking a snapshot -------------------------------------------------------------------------


def snapshot_list(limit: int = 100, offset: int = 0) -> list[Snapshot]:
    """Snapshots newest first, each with its row count (one grouped query)."""
    qs = (
        Snapshot.objects.select_related("taken_by")
        .annotate(row_count=Count("rows"))
        .order_by("-taken_at", "-id")
    )
    return list(qs[offset : offset + limit])


def latest_two() -> tuple[Snapshot | None, Snapshot | None]:
    recent = list(Snapshot.objects.order_by("-taken_at", "-id")[:2])
    if len(recent) == 2:
        return recent[1], recent[0]
    if len(recent) == 1:
        return recent[0], None
    return None, None


# --- what changed ------------------------------------------------------------------------------

SECTION_TITLES: dict[str, Any] = {
    "new": gettext_lazy("New"),
    "advanced": gettext_lazy("Advanced"),
    "moved_back": gettext_lazy("Moved back"),
    "slipped": gettext_lazy("Sign date slipped"),
    "amount_changed": gettext_lazy("Amount changed"),
    "won": gettext_lazy("Won"),
    "lost": gettext_lazy("Lost"),
    "dropped": gettext_lazy("Dropped"),
    "removed": gettext_lazy("No longer in the pipeline"),
}
LATER_SECTIONS = ("new", "advanced", "moved_back", "slipped", "amount_changed")
LEFT_SECTIONS = ("won", "lost", "dropped", "removed")


@dataclass
class ChangeSection:
    key: str
    count: int
    amount: Decimal
    delta: Decimal | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(SECTION_TITLES[self.key])

    @property
    def left(self) -> bool:
        """A section of opportunities that left the open pipeline."""
        return self.key in LEFT_SECTIONS

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))


@dataclass
class ChangesReport:
    before: Snapshot
    after: Snapshot | None  # None: the live pipeline ("now")
    sections: list[ChangeSection]

    def section(self, key: str) -> ChangeSection:
        return next(s for s in self.sections if s.key == key)


def _section_conditions() -> dict[str, Q]:
    was_there = Q(prev_there=True)
    return {
        "new": Q(prev_there=False),
        "advanced": was_there & Q(cur_order__gt=F("prev_order")),
        "moved_back": was_there & Q(cur_order__lt=F("prev_order")),
        "slipped": was_there & Q(prev_sign__isnull=False, cur_sign__gt=F("prev_sign")),
        "amount_changed": was_there
        & (
            (Q(cur_amount__isnull=False, prev_amount__isnull=False) & ~Q(cur_amount=F("prev_amount")))
            | Q(cur_amount__isnull=True, prev_amount__isnull=False)
            | Q(cur_amount__isnull=False, prev_amount__isnull=True)
        ),
    }


def _later_rows(
    user: User, before: Snapshot, after: Snapshot | None, owner_ids: Collection[int] | None = None
) -> QuerySet:
    """The later row set with the earlier snapshot's row of the same opportunity LEFT JOINed as `prev`."""
    if after is None:
        qs = opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))
        if owner_ids is not None:
            qs = qs.filter(owner_id__in=sorted(owner_ids))
        qs = qs.annotate(
            prev=FilteredRelation("snapshot_rows", condition=Q(snapshot_rows__snapshot_id=before.pk))
        )
        return qs.annotate(
            opp_id=F("pk"),
            label=F("name"),
            number=F("project_number"),
            owner_name=F("owner__name"),
            # customer_name: the deal's own copy of its customer's name (a column, not annotated).
            cur_order=F("stage__order"),
            cur_stage=F("stage__code"),
            cur_amount=EXPECTED_AMOUNT,
            cur_sign=F("sign_date"),
            prev_there=Q(prev__id__isnull=False),
            prev_order=F("prev__stage_order"),
            prev_stage=F("prev__stage__code"),
            prev_amount=F("prev__amount"),
            prev_sign=F("prev__sign_date"),
        )
    qs = SnapshotRow.objects.filter(snapshot=after)
    if not user.sees_everything:
        qs = qs.filter(opportunity__in=opportunities_for(user))
    if owner_ids is not None:
        qs = qs.filter(owner_id__in=sorted(owner_ids))
    qs = qs.annotate(
        prev=FilteredRelation(
            "opportunity__snapshot_rows", condition=Q(opportunity__snapshot_rows__snapshot_id=before.pk)
        )
    )
    return qs.annotate(
        opp_id=F("opportunity_id"),
        label=F("name"),
        number=F("project_number"),
        owner_name=F("owner__name"),
        customer_name=F("customer__name"),
        cur_order=F("stage_order"),
        cur_stage=F("stage__code"),
        cur_amount=F("amount"),
        cur_sign=F("sign_date"),
        prev_there=Q(prev__id__isnull=False),
        prev_order=F("prev__stage_order"),
        prev_stage=F("prev__stage__code"),
        prev_amount=F("prev__amount"),
        prev_sign=F("prev__sign_date"),
    )


def _left_rows(
    user: User, before: Snapshot, after: Snapshot | None, owner_ids: Collection[int] | None = None
) -> QuerySet:
    """Rows of the earlier snapshot whose opportunity is not in the later set, with its status now."""
    qs = SnapshotRow.objects.filter(snapshot=before)
    if not user.sees_everything:
        qs = qs.filter(opportunity__in=opportunities_for(user))
    if owner_ids is not None:
        qs = qs.filter(owner_id__in=sorted(owner_ids))
    if after is None:
        qs = qs.filter(~Q(opportunity__status=OpportunityStatus.OPEN) | Q(opportunity__isnull=True))
    else:
        qs = qs.filter(
            ~Exists(SnapshotRow.objects.filter(snapshot=after, opportunity_id=OuterRef("opportunity_id")))
        )
    return qs.annotate(
        opp_id=F("opportunity_id"),
        label=F("name"),
        number=F("project_number"),
        owner_name=F("owner__name"),
        customer_name=F("customer__name"),
        cur_status=F("opportunity__status"),
        closed_at=F("opportunity__closed_at"),
        close_reason=F("opportunity__close_reason"),
        lost_to_name=F("opportunity__lost_to__name"),
        prev_stage=F("stage__code"),
        prev_amount=F("amount"),
        prev_sign=F("sign_date"),
    )


def _left_conditions() -> dict[str, Q]:
    closed = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)
    return {
        "won": Q(cur_status=OpportunityStatus.WON),
        "lost": Q(cur_status=OpportunityStatus.LOST),
        "dropped": Q(cur_status=OpportunityStatus.DROPPED),
        "removed": ~Q(cur_status__in=closed) | Q(cur_status__isnull=True),
    }


LATER_FIELDS = (
    "opp_id",
    "label",
    "number",
    "owner_name",
    "customer_name",
    "cur_stage",
    "cur_amount",
    "cur_sign",
    "prev_stage",
    "prev_amount",
    "prev_sign",
)
LEFT_FIELDS = (
    "opp_id",
    "label",
    "number",
    "owner_name",
    "customer_name",
    "cur_status",
    "closed_at",
    "close_reason",
    "lost_to_name",
    "prev_stage",
    "prev_amount",
    "prev_sign",
)


def _with_url(row: dict[str, Any]) -> dict[str, Any]:
    row["url"] = reverse("opportunities:detail", args=[row["opp_id"]]) if row.get("opp_id") else None
    return row


def changes(
    user: User,
    before: Snapshot,
    after: Snapshot | None = None,
    *,
    owner_ids: Collection[int] | None = None,
    row_limit: int = SECTION_ROW_LIMIT,
) -> ChangesReport:
    """What changed from `before` to `after` (a later snapshot, or None for the live pipeline);
    `owner_ids` narrows it to the deals of these owners (a report's team), as each set recorded them.
    Each section lists at most `row_limit` rows (the page's few, an export's many)."""
    later = _later_rows(user, before, after, owner_ids)
    left = _left_rows(user, before, after, owner_ids)
    conditions = _section_conditions()
    left_conditions = _left_conditions()
    delta = ExpressionWrapper(
        Coalesce(F("cur_amount"), ZERO) - Coalesce(F("prev_amount"), ZERO), output_field=MONEY
    )

    aggregates: dict[str, Any] = {}
    for key, condition in conditions.items():
        aggregates[f"{key}_count"] = Count("pk", filter=condition)
        aggregates[f"{key}_amount"] = Sum("cur_amount", filter=condition, output_field=MONEY)
    aggregates["amount_changed_delta"] = Sum(delta, filter=conditions["amount_changed"], output_field=MONEY)
    totals = later.aggregate(**aggregates)
    left_totals = left.aggregate(
        **{f"{key}_count": Count("pk", filter=c) for key, c in left_conditions.items()},
        **{f"{key}_amount": Sum("prev_amount", filter=c) for key, c in left_conditions.items()},
    )

    sections: list[ChangeSection] = []
    for key in LATER_SECTIONS:
        section = ChangeSection(key, totals[f"{key}_count"] or 0, _money(totals[f"{key}_amount"]))
        if key == "amount_changed":
            section.delta = _money(totals["amount_changed_delta"])
        if section.count:
            qs = later.filter(conditions[key])
            if key == "amount_changed":
                qs = qs.annotate(delta=delta)
                rows = qs.order_by("-cur_amount", "opp_id").values(*LATER_FIELDS, "delta")
            else:
                rows = qs.order_by(F("cur_amount").desc(nulls_last=True), "opp_id").values(*LATER_FIELDS)
            section.rows = [_with_url(dict(r)) for r in rows[:row_limit]]
        sections.append(section)
    for key in LEFT_SECTIONS:
        section = ChangeSection(key, left_totals[f"{key}_count"] or 0, _money(left_totals[f"{key}_amount"]))
        if section.count:
            rows = (
                left.filter(left_conditions[key])
                .order_by(F("prev_amount").desc(nulls_last=True), "pk")
                .values(*LEFT_FIELDS)
            )
            section.rows = [_with_url(dict(r)) for r in rows[:row_limit]]
        sections.append(section)
    return ChangesReport(before=before, after=after, sections=sections)


# --- forecast accuracy -------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date


def parse_period(text: str) -> Period | None:
    """A month (`2027-03`) or a quarter (`2027 Q1`, `27.Q1`)."""
    match = _MONTH.match(text or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < 1900:
            return None
        last = calendar.monthrange(year, month)[1]
        return Period(f"{year}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last))
    quarter = parse_quarter(text or "")
    if quarter:
        start, end = quarter_bounds(*quarter)
        return Period(f"{quarter[0]} Q{quarter[1]}", start, end)
    return None


def last_closed_quarter(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    start, end = quarter_bounds(year, quarter)
    return Period(f"{year} Q{quarter}", start, end)


def snapshots_before(day: dt.date) -> QuerySet[Snapshot]:
    """Snapshots taken before `day` began (local time), newest first."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return Snapshot.objects.filter(taken_at__lt=start).order_by("-taken_at", "-id")


def accuracy_errors(
    period: Period | None, snapshot: Snapshot | None, today: dt.date | None = None
) -> dict[str, str]:
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if period is None:
        errors["period"] = _("Write a month as 2027-03 or a quarter as 2027 Q1.")
    elif period.end >= today:
        errors["period"] = _("Choose a period that has ended.")
    elif snapshot is not None and timezone.localtime(snapshot.taken_at).date() >= period.start:
        errors["snapshot"] = _("Choose a snapshot taken before the period began.")
    return errors


@dataclass
class Accuracy:
    period: Period
    snapshot: Snapshot | None
    forecast: Decimal
    commit: Decimal
    pipeline: Decimal
    forecast_count: int
    won: Decimal
    won_count: int
    by_owner: list[dict[str, Any]]

    @property
    def error(self) -> Decimal:
        return self.won - self.forecast

    @property
    def ratio(self) -> Decimal | None:
        """Won as a percentage of the forecast."""
        if not self.forecast:
            return None
        return (Decimal(100) * self.won / self.forecast).quantize(Decimal("0.1"))


def won_per_owner(user: User, period: Period, *, use_rollup: bool = True) -> dict[int | None, dict[str, Any]]:
    """Per owner: the count and expected amount of the won deals with a sign date in the period,
    among those the user sees. From the pipeline rollup (a period is whole months) unless the user
    is on the deal team of such a deal owned by someone they do not otherwise see."""
    names = ("owner_id", "owner__name", "owner__username")
    visibility = rollup_visibility(user) if use_rollup else None
    months = whole_months(period.start, period.end)
    if visibility is not None and months is not None:
        visible, elsewhere = visibility
        if elsewhere is not None:
            elsewhere = elsewhere.filter(
                opportunity__status=OpportunityStatus.WON,
                opportunity__sign_date__range=(period.start, period.end),
            )
        rows = rows_unless_blocked(
            PipelineRollup.objects.filter(visible, status=OpportunityStatus.WON, sign_month__range=months)
            .values(*names)
            .annotate(count=Sum("count"), milli=Sum("amount_milli"))
            .order_by(),
            elsewhere,
        )
        if rows is not None:
            return {
                row["owner_id"]: {
                    **{name: row[name] for name in names},
                    "count": int(row["count"]),
                    "won": money(row["milli"]),
                }
                for row in rows
                if row["count"]
            }
    won_qs = opportunities_for(
        user,
        Opportunity.objects.filter(status=OpportunityStatus.WON, sign_date__range=(period.start, period.end)),
    )
    return {
        entry["owner_id"]: entry
        for entry in won_qs.values(*names).annotate(count=Count("pk"), won=Sum(EXPECTED_AMOUNT)).order_by()
    }


def forecast_accuracy(
    user: User, period: Period, snapshot: Snapshot | None, *, use_rollup: bool = True
) -> Accuracy:
    """What `snapshot` forecast for `period` vs what was won with a sign date in the period."""
    # Multiplied by 0.01 rather than divided by 100: SQLite divides two whole numbers as integers.
    weighted = ExpressionWrapper(F("amount") * F("probability") * Value(Decimal("0.01")), output_field=MONEY)
    forecast_by_owner: dict[int | None, dict[str, Any]] = {}
    if snapshot is not None:
        rows = SnapshotRow.objects.filter(snapshot=snapshot, sign_date__range=(period.start, period.end))
        if not user.sees_everything:
            rows = rows.filter(opportunity__in=opportunities_for(user))
        for entry in (
            rows.values("owner_id", "owner__name", "owner__username")
            .annotate(
                count=Count("pk"),
                forecast=Sum(weighted),
                commit=Sum("amount", filter=Q(forecast_category="commit")),
                pipeline=Sum("amount"),
            )
            .order_by()
        ):
            forecast_by_owner[entry["owner_id"]] = dict(entry)
    won_by_owner = won_per_owner(user, period, use_rollup=use_rollup)
    by_owner = []
    for owner_id in sorted(set(forecast_by_owner) | set(won_by_owner), key=lambda k: (k is None, k or 0)):
        f = forecast_by_owner.get(owner_id, {})
        w = won_by_owner.get(owner_id, {})
        source = f or w
        by_owner.append(
            {
                "owner_id": owner_id,
                "owner_name": source.get("owner__name") or source.get("owner__username") or "",
                "forecast": _money(f.get("forecast")),
                "commit": _money(f.get("commit")),
                "pipeline": _money(f.get("pipeline")),
                "forecast_count": f.get("count", 0),
                "won": _money(w.get("won")),
                "won_count": w.get("count", 0),
            }
        )
    return Accuracy(
        period=period,
        snapshot=snapshot,
        forecast=_money(sum((r["forecast"] for r in by_owner), ZERO)),
        commit=_money(sum((r["commit"] for r in by_owner), ZERO)),
        pipeline=_money(sum((r["pipeline"] for r in by_owner), ZERO)),
        forecast_count=sum(r["forecast_count"] for r in by_owner),
        won=_money(sum((r["won"] for r in by_owner), ZERO)),
        won_count=sum(r["won_count"] for r in by_owner),
        by_owner=by_owner,
    )
