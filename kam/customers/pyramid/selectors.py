"""The customer pyramid (客户金字塔, DOMAIN.md section 3): per segment or tier, the share of customers
next to the share of revenue and gross profit they bring, so a misallocation of effort shows.

Scope: the customers the user may see (optionally those owned in a team's subtree or by one owner),
and for money the won opportunities of those customers that the user may see, closed within the 12
months up to the as-of date (inclusive). Revenue is the expected amount of a won deal; gross profit
is that amount × its gross margin ÷ 100, so a won deal without a margin adds revenue but no profit.

Shares are fractions of the total (0.64 = 64 %). The figures come from two grouped queries (customer
counts, won money) whatever the number of customers.

Sales hours are the hours of done activities on the group's customers over the same 12 months
(one more grouped query, kam.activities.time), whoever of ours spent them; the share is of all
those hours, so effort sits beside the value it earns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import customers_for, opportunities_for
from kam.activities.time.selectors import hours as minutes_to_hours
from kam.activities.time.selectors import minutes_by_customer_group
from kam.core.ids import parse_id
from kam.customers.models import Customer, Segment, Tier
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, MONEY
from kam.org.models import Team, User
from kam.org.visibility import team_subtree_ids, visible_teams, visible_users

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
SHARE_PLACES = Decimal("0.0001")
# A group whose share of profit is at least this many times its share of customers (or at most
# its inverse) is called out: the classic pyramid's key accounts sit at 16×, its general ones at ¼.
LARGE_FACTOR = Decimal(2)

GROUPINGS = ("segment", "tier")
SEGMENT_ORDER = (Segment.KEY, Segment.IMPORTANT, Segment.GENERAL)
TIER_ORDER = (Tier.A, Tier.B, Tier.C, Tier.D)
SEGMENT_LABELS: dict[str, Any] = {
    Segment.KEY: gettext_lazy("Key accounts"),
    Segment.IMPORTANT: gettext_lazy("Important accounts"),
    Segment.GENERAL: gettext_lazy("General accounts"),
}

GROSS_PROFIT = ExpressionWrapper(EXPECTED_AMOUNT * F("gross_margin") / Value(HUNDRED), output_field=MONEY)
NO_MARGIN = Q(gross_margin__isnull=True)


def group_label(by: str, key: str) -> str:
    if by == "segment":
        return str(SEGMENT_LABELS[key])
    return _("Tier %(tier)s") % {"tier": key}


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part ÷ whole as a fraction with four places; None when there is no whole to share."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def percent_text(fraction: Decimal | None) -> str:
    """0.64 → "64 %", 0.125 → "12.5 %", None → "—"."""
    if fraction is None:
        return "—"
    value = (fraction * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text} %"


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- Filters ------------------------------------------------------------------------------------


@dataclass
class PyramidFilters:
    as_of: dt.date
    by: str = "segment"
    team: Team | None = None
    owner: User | None = None

    @property
    def window_start(self) -> dt.date:
        """First day counted: the day after the same date a year earlier."""
        return year_before(self.as_of) + dt.timedelta(days=1)

    @property
    def window_end(self) -> dt.date:
        return self.as_of

    def window_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in the active time zone: whole local days, the as-of day included."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.window_start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the chart's JSON and the grouping switch)."""
        params = {"by": self.by, "as_of": self.as_of.isoformat()}
        if self.team is not None:
            params["team"] = str(self.team.pk)
        if self.owner is not None:
            params["owner"] = str(self.owner.pk)
        return params


def owner_choices(user: User) -> QuerySet[User]:
    return visible_users(user).order_by("name", "username")


def today() -> dt.date:
    return timezone.localdate()


def parse_filters(user: User, data: Any) -> tuple[PyramidFilters, dict[str, str]]:
    """Filters from query parameters, with a message per bad parameter (the bad one is left out)."""
    errors: dict[str, str] = {}
    filters = PyramidFilters(as_of=today())

    by = (data.get("by") or "").strip()
    if by:
        if by in GROUPINGS:
            filters.by = by
        else:
            errors["by"] = _("Group by segment or by tier.")

    as_of = (data.get("as_of") or "").strip()
    if as_of:
        try:
            filters.as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            errors["as_of"] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")
        else:
            # The window ends the day after the as-of date, so the last day a date has must be refused.
            if len(as_of) != 10 or not 1900 <= filters.as_of.year <= 9998:
                filters.as_of = today()
                errors["as_of"] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")

    team_text = (data.get("team") or "").strip()
    if team_text:
        team_id = parse_id(team_text)
        team = visible_teams(user).filter(pk=team_id).first() if team_id else None
        if team is None:
            errors["team"] = _("Choose one of the teams you can look at.")
        filters.team = team

    owner_text = (data.get("owner") or "").strip()
    if owner_text:
        owner_id = parse_id(owner_text)
        owner = visible_users(user).filter(pk=owner_id).first() if owner_id else None
        if owner is None:
            errors["owner"] = _("Choose one of the people whose customers you can see.")
        filters.owner = owner
    return filters, errors


# --- Figures ------------------------------------------------------------------------------------


@dataclass
class PyramidRow:
    key: str
    label: str
    customers: int = 0
    revenue: Decimal = ZERO
    profit: Decimal = ZERO
    won_deals: int = 0
    deals_without_margin: int = 0
    revenue_without_margin: Decimal = ZERO
    customer_share: Decimal | None = None
    revenue_share: Decimal | None = None
    profit_share: Decimal | None = None
    sales_minutes: int = 0
    sales_hours: Decimal | None = None
    sales_hours_share: Decimal | None = None

    @property
    def profit_factor(self) -> Decimal | None:
        """Share of profit ÷ share of customers (16 for the classic key accounts)."""
        if not self.customer_share or self.profit_share is None:
            return None
        return (self.profit_share / self.customer_share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def highlight(self) -> str:
        """ "over" when the group brings far more profit than its share of customers, "under" when
        far less; "" otherwise or when there is nothing to compare."""
        if not self.customers or self.customer_share is None or self.profit_share is None:
            return ""
        # Exact comparison on the unrounded counts would need the totals; the four-place shares
        # are precise enough for a factor of 2.
        if self.profit_share >= self.customer_share * LARGE_FACTOR:
            return "over"
        if self.profit_share * LARGE_FACTOR <= self.customer_share:
            return "under"
        return ""

    @property
    def customer_pct(self) -> str:
        return percent_text(self.customer_share)

    @property
    def revenue_pct(self) -> str:
        return percent_text(self.revenue_share)

    @property
    def profit_pct(self) -> str:
        return percent_text(self.profit_share)

    @property
    def sales_hours_pct(self) -> str:
        return percent_text(self.sales_hours_share)

    @property
    def callout(self) -> str:
        """The mismatch in words: "Key accounts: 4 % of customers, 64 % of profit …"."""
        words = {
            "group": self.label,
            "customers": self.customer_pct,
            "revenue": self.revenue_pct,
            "profit": self.profit_pct,
        }
        if self.profit_share is None:
            text = _(
                "%(group)s: %(customers)s of customers, %(revenue)s of revenue, no gross profit recorded."
            )
            return text % words
        text = (
            _("%(group)s: %(customers)s of customers, %(revenue)s of revenue, %(profit)s of profit.") % words
        )
        factor = self.profit_factor
        if factor is None:
            return text
        # One decimal reads well for 16.0×; a small factor needs two not to read as 0.0×.
        shown = factor.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if factor >= 1 else factor
        if self.highlight == "over":
            text += " " + _("They bring %(factor)s× their share of customers in profit.") % {"factor": shown}
        elif self.highlight == "under":
            text += " " + _("They bring only %(factor)s× their share of customers in profit.") % {
                "factor": shown
            }
        return text


@dataclass
class Pyramid:
    filters: PyramidFilters
    rows: list[PyramidRow] = field(default_factory=list)
    totals: PyramidRow = field(default_factory=lambda: PyramidRow(key="total", label=""))

    @property
    def is_empty(self) -> bool:
        return self.totals.customers == 0

    @property
    def callouts(self) -> list[PyramidRow]:
        return [row for row in self.rows if row.customers]


def scoped_customers(user: User, filters: PyramidFilters) -> QuerySet[Customer]:
    qs = customers_for(user, Customer.objects.all())
    if filters.team is not None:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team.pk]))
    if filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner.pk)
    return qs


def won_in_window(
    user: User, filters: PyramidFilters, customers: QuerySet[Customer]
) -> QuerySet[Opportunity]:
    start, end = filters.window_bounds()
    qs = Opportunity.objects.filter(
        status=OpportunityStatus.WON,
        closed_at__gte=start,
        closed_at__lt=end,
        customer__in=customers.values("pk"),
    )
    return opportunities_for(user, qs)


def pyramid(user: User, filters: PyramidFilters) -> Pyramid:
    by = filters.by
    order = SEGMENT_ORDER if by == "segment" else TIER_ORDER
    customers = scoped_customers(user, filters)
    counts = dict(customers.order_by().values_list(by).annotate(n=Count("id")))
    money = {
        row[f"customer__{by}"]: row
        for row in won_in_window(user, filters, customers)
        .order_by()
        .values(f"customer__{by}")
        .annotate(
            revenue=Sum(EXPECTED_AMOUNT),
            profit=Sum(GROSS_PROFIT),
            won_deals=Count("id"),
            deals_without_margin=Count("id", filter=NO_MARGIN),
            revenue_without_margin=Sum(EXPECTED_AMOUNT, filter=NO_MARGIN),
        )
    }

    minutes = minutes_by_customer_group(
        user, customers, by=by, start=filters.window_start, end=filters.as_of + dt.timedelta(days=1)
    )

    def cents(value: Decimal | None) -> Decimal:
        return (value or ZERO).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    result = Pyramid(filters=filters)
    for key in order:
        figures = money.get(key, {})
        result.rows.append(
            PyramidRow(
                key=str(key),
                label=group_label(by, key),
                customers=counts.get(key, 0),
                revenue=cents(figures.get("revenue")),
                profit=cents(figures.get("profit")),
                won_deals=figures.get("won_deals", 0),
                deals_without_margin=figures.get("deals_without_margin", 0),
                revenue_without_margin=cents(figures.get("revenue_without_margin")),
                sales_minutes=minutes.get(key, 0) or 0,
            )
        )
    totals = result.totals
    totals.label = _("Total")
    for row in result.rows:
        totals.customers += row.customers
        totals.revenue += row.revenue
        totals.profit += row.profit
        totals.won_deals += row.won_deals
        totals.deals_without_margin += row.deals_without_margin
        totals.revenue_without_margin += row.revenue_without_margin
        totals.sales_minutes += row.sales_minutes
    for row in [*result.rows, totals]:
        row.customer_share = share(row.customers, totals.customers)
        row.revenue_share = share(row.revenue, totals.revenue)
        row.profit_share = share(row.profit, totals.profit)
        row.sales_hours = minutes_to_hours(row.sales_minutes)
        row.sales_hours_share = share(row.sales_minutes, totals.sales_minutes)
    return result


def payload(result: Pyramid) -> dict[str, Any]:
    """The figures as the API returns them (and the chart draws them)."""

    def row_payload(row: PyramidRow) -> dict[str, Any]:
        return {
            "key": row.key,
            "label": row.label,
            "customers": row.customers,
            "customer_share": row.customer_share,
            "revenue": row.revenue,
            "revenue_share": row.revenue_share,
            "gross_profit": row.profit,
            "gross_profit_share": row.profit_share,
            "won_deals": row.won_deals,
            "deals_without_margin": row.deals_without_margin,
            "revenue_without_margin": row.revenue_without_margin,
            "sales_hours": row.sales_hours,
            "sales_hours_share": row.sales_hours_share,
            "profit_factor": row.profit_factor,
            "highlight": row.highlight,
            "callout": row.callout,
        }

    filters = result.filters
    return {
        "by": filters.by,
        "as_of": filters.as_of,
        "window_start": filters.window_start,
        "window_end": filters.window_end,
        "team": {"id": filters.team.pk, "name": filters.team.name} if filters.team else None,
        "owner": {"id": filters.owner.pk, "name": filters.owner.name or filters.owner.username}
        if filters.owner
        else None,
        "large_factor": LARGE_FACTOR,
        "groups": [row_payload(row) for row in result.rows],
        "totals": row_payload(result.totals),
    }
