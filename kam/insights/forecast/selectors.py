"""Forecast, targets and funnel: SQL aggregates over the opportunities a user may see.

Periods. Every opportunity is placed in a period by its expected sign date, open or won alike:
a won deal's sign date is the contract date the owner kept up to date while selling, and it is
what the target of that period was set against (closed_at is only when someone clicked "won").
Bucketing by one indexed column also lets `sign_date BETWEEN …` use the sign_date index.

The period bucket is an integer key computed in SQL (year, year*10+quarter, year*100+month) with
each database's native date functions: Django's Extract/Trunc on SQLite call a Python function
per row, which is what makes a 200k-row forecast slow there.

The forecast rollup answers instead whenever the request is expressible in its dimensions: whole
sign months, rep or team (the owner). It holds every figure per owner and month (the weighted
amount and the categories worked out when a deal or a stage changes). The figures are the same
(the rollup holds exact thousandths); a grouping by customer or product line, a range cutting a
month, or a user on the deal team of someone else's deal in range reads the opportunities.
"""

from __future__ import annotations

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
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for, targets_for
from kam.customers.models import Customer
from kam.insights.forecast.periods import PeriodKey, period_key_label
from kam.insights.forecast.rollup import money, rows_unless_blocked, whole_months
from kam.opportunities.models import (
    FORECAST_FIGURES,
    ForecastRollup,
    Opportunity,
    OpportunityStatus,
    Stage,
    quarter_of_month,
)
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT, rollup_visibility
from kam.org.models import Target, Team, User

MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

GROUPS = ("rep", "team", "customer", "product_line")
CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
FIGURES = ("weighted", "open_amount", "commit", "best_case", "pipeline", "omitted", "won")

# The column each grouping aggregates on.
GROUP_FIELDS = {
    "rep": "owner_id",
    "team": "owner__team_id",
    "customer": "customer_id",
    "product_line": "product_line",
}


# ---------------------------------------------------------------------------------------------
# The chosen period (what the picker and the API's period/year/quarter/month name)


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


# The groupings the forecast rollup can answer (its owner, and the owner's team).
ROLLUP_GROUPS = ("rep", "team")


def month_period_key(month: int, period: str) -> int:
    """The period key (as PeriodKey computes from a date) of a rollup sign month (year × 100 + month)."""
    if period == "year":
        return month // 100
    if period == "quarter":
        return quarter_of_month(month)
    return month


def forecast_rollup_rows(
    user: User | None,
    *,
    group: str = "team",
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]] | None:
    """`forecast_queryset`'s rows from the forecast rollup (one query), or None when the rollup
    cannot answer this request (see the module's docstring)."""
    months = whole_months(start, end)
    if group not in ROLLUP_GROUPS or months is None:
        return None
    first, last = months
    cells: QuerySet[Any] = ForecastRollup.objects.filter(sign_month__gte=first)
    if last is not None:
        cells = cells.filter(sign_month__lte=last)
    elsewhere = None
    if user is not None:
        visibility = rollup_visibility(user)
        if visibility is None:
            return None
        visible, elsewhere = visibility
        cells = cells.filter(visible)
    if elsewhere is not None:
        statuses = [OpportunityStatus.OPEN, OpportunityStatus.WON]
        elsewhere = elsewhere.filter(opportunity__status__in=statuses, opportunity__sign_date__isnull=False)
        if start is not None:
            elsewhere = elsewhere.filter(opportunity__sign_date__gte=start)
        if end is not None:
            elsewhere = elsewhere.filter(opportunity__sign_date__lte=end)
    group_field = GROUP_FIELDS[group]
    grouped = (
        cells.values("sign_month", group_field)
        .annotate(**{name: Sum(name) for name in FORECAST_FIGURES})
        .order_by()
    )
    rows = rows_unless_blocked(grouped, elsewhere)
    if rows is None:
        return None
    # Months into periods: one row per group and month, not opportunities.
    folded: dict[tuple[int, Any], dict[str, int]] = {}
    for row in rows:
        key = (month_period_key(row["sign_month"], period), row[group_field])
        entry = folded.setdefault(key, dict.fromkeys(FORECAST_FIGURES, 0))
        for name in FORECAST_FIGURES:
            entry[name] += row[name] or 0
    result = []
    for (period_key, group_key), entry in folded.items():
        if not (entry["open_count"] or entry["won_count"]):
            continue  # rows emptied by later writes: the live rows have no such group
        result.append(
            {
                "period_key": period_key,
                "group_key": group_key,
                "weighted": Decimal(entry["weighted_milli_pct"]) / 100000,
                "open_amount": money(entry["open_milli"]),
                **{name: money(entry[f"{name}_milli"]) for name in CATEGORIES},
                "won": money(entry["won_milli"]),
                "open_count": entry["open_count"],
                "won_count": entry["won_count"],
            }
        )
    result.sort(key=lambda r: (r["period_key"], r["group_key"] is None, r["group_key"] or 0))
    return result


def forecast_rows(
    user: User | None,
    *,
    group: str = "team",
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
    use_rollup: bool = True,
) -> list[dict[str, Any]]:
    """The (period, group) rows with every figure: from the rollup when it can answer, else live."""
    if group not in GROUPS:
        raise ValueError(group)
    rows = None
    if use_rollup:
        rows = forecast_rollup_rows(user, group=group, period=period, start=start, end=end)
    if rows is None:
        rows = list(forecast_queryset(user, group=group, period=period, start=start, end=end))
    return rows


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
    def exceeded_by(self) -> Decimal | None:
        """How far won is past the target (a negative gap, read as "exceeded by …"); None otherwise."""
        gap = self.gap
        return -gap if gap is not None and gap < 0 else None

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
    use_rollup: bool = True,
) -> ForecastResult:
    """The forecast per (period, group) over [start, end] (open-ended where None), with targets
    (rep and team groupings, when a range is given). Three queries: figures (from the rollup when
    it can answer), labels, targets."""
    raw = forecast_rows(user, group=group, period=period, start=start, end=end, use_rollup=use_rollup)
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
    # 2.0 and 100.0: SQLite keeps whole amounts as integers and would divide them integer-wise.
    amount = "COALESCE(o.amount, (o.amount_low + o.amount_high) / 2.0)"
    category = "COALESCE(NULLIF(o.forecast_category, ''), s.forecast_category)"
    opp = Opportunity._meta.db_table
    stage = Stage._meta.db_table
    user = User._meta.db_table
    cat_sums = ",\n  ".join(
        f"SUM(CASE WHEN o.status = 'open' AND {category} = '{name}' THEN {amount} END) AS category_{name}"
        for name in CATEGORIES
    )
    sql = f"""SELECT {key} AS period_key, u.team_id AS group_key,
  SUM(CASE WHEN o.status = 'open' THEN {amount} * s.probability / 100.0 END) AS weighted,
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
