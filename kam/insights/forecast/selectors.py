"""Forecast, targets and funnel: SQL aggregates over the opportunities a user may see.

Periods. Every opportunity is placed in a period by its expected sign date, open or won alike:
a won deal's sign date is the contract date the owner kept up to date while selling, and it is
what the target of that period was set against (closed_at is only when someone clicked "won").
Bucketing by one indexed column also lets `sign_date BETWEEN …` use the sign_date index.

The period bucket is an integer key computed in SQL (year, year*10+quarter, year*100+month) with
each database's native date functions: Django's Extract/Trunc on SQLite call a Python function
per row, which is what makes a 200k-row forecast slow there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for, targets_for
from kam.core.periods import parse_quarter, quarter_bounds
from kam.customers.models import Customer
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SalesProcess,
    Stage,
)
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT
from kam.org.models import Target, Team, User

MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

GROUPS = ("rep", "team", "customer", "product_line")
PERIODS = ("month", "quarter", "year")
CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
FIGURES = ("weighted", "open_amount", "commit", "best_case", "pipeline", "omitted", "won")

# The column each grouping aggregates on.
GROUP_FIELDS = {
    "rep": "owner_id",
    "team": "owner__team_id",
    "customer": "customer_id",
    "product_line": "product_line",
}


class PeriodKey(Func):
    """The period a date falls in, as an integer: 2027 (year), 20273 (quarter) or 202709 (month)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, period: str) -> None:
        if period not in PERIODS:
            raise ValueError(period)
        self.period = period
        super().__init__(expression)

    def as_sqlite(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(strftime('%%Y', {sql}) AS INTEGER)"
        month = f"CAST(strftime('%%m', {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(EXTRACT(YEAR FROM {sql}) AS INTEGER)"
        month = f"CAST(EXTRACT(MONTH FROM {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        year = f"CAST(EXTRACT(YEAR FROM {sql}) AS INTEGER)"
        month = f"CAST(EXTRACT(MONTH FROM {sql}) AS INTEGER)"
        return self._combine(year, month), list(params) * self._uses()

    def _uses(self) -> int:
        return 1 if self.period == "year" else 2

    def _combine(self, year: str, month: str) -> str:
        if self.period == "year":
            return year
        if self.period == "quarter":
            return f"({year} * 10 + ({month} + 2) / 3)"
        return f"({year} * 100 + {month})"


def period_key(day: dt.date, period: str) -> int:
    if period == "year":
        return day.year
    if period == "quarter":
        return day.year * 10 + (day.month + 2) // 3
    return day.year * 100 + day.month


def period_key_label(key: int, period: str) -> str:
    if period == "year":
        return str(key)
    if period == "quarter":
        return f"{key // 10} Q{key % 10}"
    return f"{key // 100}-{key % 100:02d}"


def period_key_bounds(key: int, period: str) -> tuple[dt.date, dt.date]:
    if period == "year":
        return dt.date(key, 1, 1), dt.date(key, 12, 31)
    if period == "quarter":
        return quarter_bounds(key // 10, key % 10)
    year, month = divmod(key, 100)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


# ---------------------------------------------------------------------------------------------
# The chosen period (what the picker and the API's period/year/quarter/month name)


@dataclass(frozen=True)
class PeriodChoice:
    kind: str  # month / quarter / year
    start: dt.date
    end: dt.date
    label: str

    @property
    def key(self) -> int:
        return period_key(self.start, self.kind)


def choose_period(
    kind: str = "quarter",
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    text: str | None = None,
    today: dt.date | None = None,
) -> PeriodChoice:
    """A month, quarter or year from its parts or from text ("2027 Q3", "27.Q3", "2027-03", "2027");
    missing parts default to the one containing today. Raises ValueError with a message."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if text:
        parsed = parse_quarter(text)
        if parsed:
            kind, year, quarter = "quarter", parsed[0], parsed[1]
        elif len(text) == 7 and text[4] == "-" and text[:4].isdecimal() and text[5:].isdecimal():
            kind, year, month = "month", int(text[:4]), int(text[5:])
        elif len(text) == 4 and text.isdecimal():
            kind, year = "year", int(text)
        else:
            raise ValueError(_("Write a period as 2027 Q3, 2027-03 or 2027."))
    if kind not in PERIODS:
        raise ValueError(_("Choose month, quarter or year."))
    year = today.year if year is None else year
    if not 1900 <= year <= 9999:
        raise ValueError(_("Choose a year between 1900 and 9999."))
    if kind == "year":
        return PeriodChoice("year", dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    if kind == "quarter":
        quarter = (today.month + 2) // 3 if quarter is None else quarter
        if not 1 <= quarter <= 4:
            raise ValueError(_("A quarter is 1 to 4."))
        start, end = quarter_bounds(year, quarter)
        return PeriodChoice("quarter", start, end, f"{year} Q{quarter}")
    month = today.month if month is None else month
    if not 1 <= month <= 12:
        raise ValueError(_("A month is 1 to 12."))
    start, end = period_key_bounds(year * 100 + month, "month")
    return PeriodChoice("month", start, end, f"{year}-{month:02d}")


def quick_periods(today: dt.date | None = None) -> list[tuple[str, str, PeriodChoice]]:
    """The picker's quick choices: this and next quarter, this and next year, this month."""
    today = today or timezone.localdate()
    this_q = choose_period("quarter", today=today)
    next_start = this_q.end + dt.timedelta(days=1)
    next_q = choose_period("quarter", year=next_start.year, quarter=(next_start.month + 2) // 3)
    return [
        ("this_quarter", _("This quarter"), this_q),
        ("next_quarter", _("Next quarter"), next_q),
        ("this_year", _("This year"), choose_period("year", today=today)),
        ("next_year", _("Next year"), choose_period("year", year=today.year + 1)),
        ("this_month", _("This month"), choose_period("month", today=today)),
    ]


# ---------------------------------------------------------------------------------------------
# Forecast


def forecast_category_expression() -> Coalesce:
    """The opportunity's own category, else its stage's default."""
    return Coalesce(
        NullIf(F("forecast_category"), Value("")), F("stage__forecast_category"), output_field=CharField()
    )


def _open_sum(expression: Any, condition: Q | None = None) -> Sum:
    when = Q(status=OpportunityStatus.OPEN) & (condition or Q())
    return Sum(Case(When(when, then=expression), default=Value(None), output_field=MONEY))


def forecast_aggregates() -> dict[str, Any]:
    category = forecast_category_expression()
    figures: dict[str, Any] = {
        "weighted": _open_sum(WEIGHTED_AMOUNT),
        "open_amount": _open_sum(EXPECTED_AMOUNT),
        "won": Sum(
            Case(
                When(status=OpportunityStatus.WON, then=EXPECTED_AMOUNT),
                default=Value(None),
                output_field=MONEY,
            )
        ),
        "open_count": Count("id", filter=Q(status=OpportunityStatus.OPEN)),
        "won_count": Count("id", filter=Q(status=OpportunityStatus.WON)),
    }
    for name in CATEGORIES:
        figures[name] = Sum(
            Case(
                When(Q(status=OpportunityStatus.OPEN) & Q(fc_category=name), then=EXPECTED_AMOUNT),
                default=Value(None),
                output_field=MONEY,
            )
        )
    figures["_category_expr"] = category
    return figures


def forecast_queryset(
    user: User | None,
    *,
    group: str = "team",
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet:
    """One query: (period, group) rows with every figure, over open and won opportunities with a sign date."""
    if group not in GROUPS:
        raise ValueError(group)
    qs = Opportunity.objects.all() if user is None else opportunities_for(user)
    # IN on status and a range on sign_date: both served by indexes (no NOT on a boolean).
    qs = qs.filter(status__in=[OpportunityStatus.OPEN, OpportunityStatus.WON], sign_date__isnull=False)
    if start is not None:
        qs = qs.filter(sign_date__gte=start)
    if end is not None:
        qs = qs.filter(sign_date__lte=end)
    aggregates = forecast_aggregates()
    category = aggregates.pop("_category_expr")
    return (
        qs.alias(fc_category=category)
        .annotate(period_key=PeriodKey(F("sign_date"), period), group_key=F(GROUP_FIELDS[group]))
        .values("period_key", "group_key")
        .annotate(**aggregates)
        .order_by("period_key", "group_key")
    )


@dataclass
class Figures:
    weighted: Decimal = ZERO
    open_amount: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    omitted: Decimal = ZERO
    won: Decimal = ZERO
    open_count: int = 0
    won_count: int = 0

    def add(self, other: Figures) -> None:
        for name in (*FIGURES, "open_count", "won_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Figures:
        values: dict[str, Any] = {name: (row.get(name) or ZERO) for name in FIGURES}
        values = {name: Decimal(value).quantize(CENT) for name, value in values.items()}
        return cls(**values, open_count=row.get("open_count") or 0, won_count=row.get("won_count") or 0)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*FIGURES, "open_count", "won_count")}


@dataclass
class TargetFigures:
    """Attainment, gap and coverage against a target; None where the target is not set."""

    target: Decimal | None
    won: Decimal
    open_amount: Decimal

    @property
    def attainment(self) -> Decimal | None:
        if self.target is None or self.target == 0:
            return None
        return (self.won / self.target).quantize(Decimal("0.0001"))

    @property
    def gap(self) -> Decimal | None:
        return None if self.target is None else (self.target - self.won).quantize(CENT)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.target is None else max(self.target - self.won, ZERO).quantize(CENT)

    @property
    def coverage(self) -> Decimal | None:
        """Open pipeline ÷ remaining target; None when nothing remains (target met or zero)."""
        remaining = self.remaining
        if remaining is None or remaining == 0:
            return None
        return (self.open_amount / remaining).quantize(Decimal("0.01"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "attainment": self.attainment,
            "gap": self.gap,
            "remaining": self.remaining,
            "coverage": self.coverage,
        }


@dataclass
class GroupRow:
    key: Any
    label: str
    figures: Figures
    target: TargetFigures | None = None
    by_period: dict[int, Figures] = field(default_factory=dict)


@dataclass
class ForecastResult:
    group: str
    period: str
    start: dt.date | None
    end: dt.date | None
    periods: list[int]
    rows: list[dict[str, Any]]  # one per (period, group), as the query returned them
    groups: list[GroupRow]
    by_period: dict[int, Figures]
    totals: Figures
    total_target: TargetFigures | None

    def period_label(self, key: int) -> str:
        return period_key_label(key, self.period)


def group_labels(group: str, keys: list[Any]) -> dict[Any, str]:
    """Display names for the group keys of a result (one query, whatever the number of rows)."""
    present = [k for k in keys if k not in (None, "")]
    labels: dict[Any, str] = {}
    if group == "rep":
        labels = {u.pk: str(u) for u in User.objects.filter(pk__in=present).only("username", "name")}
    elif group == "team":
        labels = dict(Team.objects.filter(pk__in=present).values_list("pk", "name"))
    elif group == "customer":
        labels = dict(Customer.objects.filter(pk__in=present).values_list("pk", "name"))
    else:
        labels = {k: k for k in present}
    none_label = {
        "rep": _("(no owner)"),
        "team": _("(no team)"),
        "customer": _("(no customer)"),
        "product_line": _("(no product line)"),
    }[group]
    for key in keys:
        if key in (None, ""):
            labels[key] = none_label
    return labels


def target_sums(group: str, start: dt.date, end: dt.date, user: User | None) -> dict[Any, Decimal]:
    """Σ of the targets whose period lies inside [start, end], per user (rep) or team, among the
    targets the user may see (one query)."""
    if group not in ("rep", "team"):
        return {}
    column = "user_id" if group == "rep" else "team_id"
    qs = Target.objects.all() if user is None else targets_for(user)
    rows = (
        qs.filter(**{f"{column}__isnull": False}, period_start__gte=start, period_end__lte=end)
        .values(column)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row[column]: row["total"] for row in rows}


def forecast(
    user: User | None,
    group: str = "team",
    period: str = "quarter",
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ForecastResult:
    """The forecast per (period, group) over [start, end] (open-ended where None), with targets
    (rep and team groupings, when a range is given). Three queries: figures, labels, targets."""
    raw = list(forecast_queryset(user, group=group, period=period, start=start, end=end))
    by_group: dict[Any, GroupRow] = {}
    by_period: dict[int, Figures] = {}
    totals = Figures()
    for row in raw:  # aggregated rows (period × group), not opportunities
        figures = Figures.from_row(row)
        entry = by_group.setdefault(row["group_key"], GroupRow(row["group_key"], "", Figures()))
        entry.figures.add(figures)
        entry.by_period[row["period_key"]] = figures
        by_period.setdefault(row["period_key"], Figures()).add(figures)
        totals.add(figures)
    labels = group_labels(group, list(by_group))
    for key, entry in by_group.items():
        entry.label = labels.get(key, str(key))
    total_target = None
    if start is not None and end is not None and group in ("rep", "team"):
        sums = target_sums(group, start, end, user)
        # Targets set for groups with no opportunities in range still show (a gap of the whole target).
        for key in sums:
            if key not in by_group:
                by_group[key] = GroupRow(key, "", Figures())
        if missing := [k for k, e in by_group.items() if not e.label]:
            for key, label in group_labels(group, missing).items():
                by_group[key].label = label
        target_total = ZERO
        any_target = False
        for key, entry in by_group.items():
            amount = sums.get(key)
            if amount is not None:
                any_target = True
                target_total += amount
            entry.target = TargetFigures(
                None if amount is None else Decimal(amount).quantize(CENT),
                entry.figures.won,
                entry.figures.open_amount,
            )
        if any_target:
            total_target = TargetFigures(target_total.quantize(CENT), totals.won, totals.open_amount)
    groups = sorted(by_group.values(), key=lambda g: (-g.figures.weighted, -g.figures.won, g.label))
    return ForecastResult(
        group=group,
        period=period,
        start=start,
        end=end,
        periods=sorted(by_period),
        rows=raw,
        groups=groups,
        by_period=by_period,
        totals=totals,
        total_target=total_target,
    )


def forecast_sql(period: str = "quarter", vendor: str | None = None) -> tuple[str, list[Any]]:
    """The single hand-written SQL statement for the org-wide forecast by period × team (the same
    numbers as `forecast(None, "team", period)`'s rows), for the benchmark's ratio."""
    vendor = vendor or connection.vendor
    if vendor == "sqlite":
        # %% because the statement runs with parameters (the drivers' placeholder style).
        year = "CAST(strftime('%%Y', o.sign_date) AS INTEGER)"
        month = "CAST(strftime('%%m', o.sign_date) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM o.sign_date) AS INTEGER)"
        month = "CAST(EXTRACT(MONTH FROM o.sign_date) AS INTEGER)"
    key = {
        "year": year,
        "quarter": f"({year} * 10 + ({month} + 2) / 3)",
        "month": f"({year} * 100 + {month})",
    }[period]
    amount = "COALESCE(o.amount, (o.amount_low + o.amount_high) / 2)"
    category = "COALESCE(NULLIF(o.forecast_category, ''), s.forecast_category)"
    opp = Opportunity._meta.db_table
    stage = Stage._meta.db_table
    user = User._meta.db_table
    cat_sums = ",\n  ".join(
        f"SUM(CASE WHEN o.status = 'open' AND {category} = '{name}' THEN {amount} END) AS category_{name}"
        for name in CATEGORIES
    )
    sql = f"""SELECT {key} AS period_key, u.team_id AS group_key,
  SUM(CASE WHEN o.status = 'open' THEN {amount} * s.probability / 100 END) AS weighted,
  SUM(CASE WHEN o.status = 'open' THEN {amount} END) AS open_amount,
  {cat_sums},
  SUM(CASE WHEN o.status = 'won' THEN {amount} END) AS won,
  COUNT(CASE WHEN o.status = 'open' THEN 1 END) AS open_count,
  COUNT(CASE WHEN o.status = 'won' THEN 1 END) AS won_count
FROM {opp} o
JOIN {stage} s ON s.id = o.stage_id
JOIN {user} u ON u.id = o.owner_id
WHERE o.status IN (%s, %s) AND o.sign_date IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2"""
    return sql, [OpportunityStatus.OPEN.value, OpportunityStatus.WON.value]


def run_forecast_sql(period: str = "quarter") -> list[tuple[Any, ...]]:
    sql, params = forecast_sql(period)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---------------------------------------------------------------------------------------------
# Funnel


@dataclass
class FunnelStage:
    stage: Stage
    open_count: int
    open_amount: Decimal
    reached: int  # opportunities that ever reached this stage (or a later one)
    conversion: Decimal | None  # share of those reaching this stage that reached the next


def default_funnel_process(code: str | None = None) -> SalesProcess | None:
    qs = SalesProcess.objects.all()
    if code:
        return qs.filter(code=code).first()
    return qs.order_by("-is_default", "id").first()


def funnel(user: User | None, process: SalesProcess | None = None) -> list[FunnelStage]:
    """Per stage of a process: open count and amount, and stage-to-stage conversion: of the
    opportunities that reached a stage (furthest stage ≥ it), the share that reached the next.
    Three queries: stages, open sums per stage, opportunities per furthest stage reached."""
    process = process or default_funnel_process()
    if process is None:
        return []
    stages = list(Stage.objects.filter(process=process).order_by("order"))
    base = Opportunity.objects.all() if user is None else opportunities_for(user)
    # The stage ids already loaded, so neither GROUP BY joins the stage table (index-only on SQLite).
    base = base.filter(stage_id__in=[stage.pk for stage in stages])
    open_rows = {
        row["stage_id"]: row
        for row in base.filter(status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum(EXPECTED_AMOUNT))
        .order_by()
    }
    # Opportunities per furthest stage reached (kept on the opportunity by the stage services, so
    # a move back does not undo having reached the higher stage): one GROUP BY served by
    # opportunity_funnel_idx, no scan of the stage history.
    reached_rows = dict(
        base.values("furthest_stage_order")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("furthest_stage_order", "n")
    )
    result: list[FunnelStage] = []
    for stage in stages:
        # Cumulated over the handful of distinct stage orders, not over opportunities.
        reached = sum(n for top, n in reached_rows.items() if top >= stage.order)
        row = open_rows.get(stage.pk, {})
        result.append(
            FunnelStage(
                stage=stage,
                open_count=row.get("n", 0),
                open_amount=Decimal(row.get("total") or 0).quantize(CENT),
                reached=reached,
                conversion=None,
            )
        )
    for current, following in zip(result, result[1:], strict=False):
        if current.reached:
            current.conversion = (Decimal(following.reached) / Decimal(current.reached)).quantize(
                Decimal("0.0001")
            )
    return result
