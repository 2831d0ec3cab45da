"""Sales time analysis (DOMAIN.md §10): where the hours of done activities go, per rep, team and month.

An hour belongs to the activity's owner (the person whose time it is; `our_people` who joined are
not counted twice). Every activity kind has a time category; selling, account planning and
proposals produce revenue, the rest do not. The share of revenue-producing hours is set against the
bands of §10: good teams reach 40–50 %, ordinary ones 15–25 %.

Scope: the done activities the user may see (kam.access.visibility.activities_for) whose owner is
one of the people the user may look at (a rep: themselves; a manager: their team subtree), so a
rep's page is their own time, not a colleague's visit to a shared customer.

Each table is one grouped query, whatever the number of activities: hours per owner and category
(the team figures add up those rows), hours per customer tier, customers per tier, profit per tier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DateField, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import activities_for, customers_for, opportunities_for
from kam.activities.models import REVENUE_PRODUCING, Activity, ActivityStatus, TimeCategory
from kam.core.ids import parse_id
from kam.customers.models import Customer, Tier
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, MONEY
from kam.org.models import Role, Team, User
from kam.org.visibility import team_subtree_ids, visible_teams, visible_users

MINUTES_PER_HOUR = Decimal(60)
# The page's trend: the chosen month and the five before it.
TREND_MONTHS = 6
HOURS_PLACES = Decimal("0.1")
SHARE_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

# Categories in the order the table and the stacked bar show them: revenue-producing first.
CATEGORY_ORDER: tuple[str, ...] = tuple(
    [c.value for c in TimeCategory if c in REVENUE_PRODUCING]
    + [c.value for c in TimeCategory if c not in REVENUE_PRODUCING]
)
TIER_ORDER = (Tier.A, Tier.B, Tier.C, Tier.D)

# The bands of DOMAIN.md §10 as whole percents: good from 40 %, ordinary 15–25 % inclusive;
# "between" is above ordinary and below good, "low" below ordinary.
GOOD_FROM = 40
ORDINARY_FROM = 15
ORDINARY_TO = 25
BAND_LABELS: dict[str, Any] = {
    "good": gettext_lazy("good"),
    "between": gettext_lazy("between"),
    "ordinary": gettext_lazy("ordinary"),
    "low": gettext_lazy("low"),
}

GROSS_PROFIT = ExpressionWrapper(EXPECTED_AMOUNT * F("gross_margin") / Value(HUNDRED), output_field=MONEY)


def band(revenue_minutes: int, total_minutes: int) -> str:
    """The §10 band of a share, compared on the minutes themselves (no rounding moves a boundary):
    "" when there is no time at all."""
    if total_minutes <= 0:
        return ""
    percent_times_total = revenue_minutes * 100
    if percent_times_total >= GOOD_FROM * total_minutes:
        return "good"
    if percent_times_total > ORDINARY_TO * total_minutes:
        return "between"
    if percent_times_total >= ORDINARY_FROM * total_minutes:
        return "ordinary"
    return "low"


def hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / MINUTES_PER_HOUR).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part ÷ whole as a fraction with four places; None when there is no whole to share."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def percent_text(fraction: Decimal | None) -> str:
    """0.4 → "40 %", 0.399 → "39.9 %", None → "—"."""
    if fraction is None:
        return "—"
    value = (fraction * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text} %"


def category_label(code: str) -> str:
    return str(TimeCategory(code).label)


# --- Periods ----------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as aware datetimes at local midnight (whole days of the active time zone)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def parse_month(text: str) -> dt.date | None:
    """`2026-06` (or a whole date, whose month is taken) → the first day of that month."""
    text = (text or "").strip()
    try:
        if len(text) == 7:
            day = dt.date.fromisoformat(text + "-01")
        elif len(text) == 10:
            day = dt.date.fromisoformat(text)
        else:
            return None
    except ValueError:
        return None
    if not 1900 <= day.year <= 9998:
        return None
    return month_start(day)


# --- Filters ----------------------------------------------------------------------------------------


@dataclass
class TimeFilters:
    month: dt.date
    team: Team | None = None
    owner: User | None = None

    def query(self) -> dict[str, str]:
        params = {"month": self.month.strftime("%Y-%m")}
        if self.team is not None:
            params["team"] = str(self.team.pk)
        if self.owner is not None:
            params["owner"] = str(self.owner.pk)
        return params


def owner_choices(user: User) -> QuerySet[User]:
    return visible_users(user).order_by("name", "username")


def parse_filters(user: User, data: Any) -> tuple[TimeFilters, dict[str, str]]:
    """Filters from query parameters, with a message per bad parameter (the bad one is left out)."""
    errors: dict[str, str] = {}
    filters = TimeFilters(month=month_start(timezone.localdate()))
    month_text = (data.get("month") or "").strip()
    if month_text:
        month = parse_month(month_text)
        if month is None:
            errors["month"] = _("Write the month as YYYY-MM, e.g. 2026-06.")
        else:
            filters.month = month
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
            errors["owner"] = _("Choose one of the people whose work you can see.")
        filters.owner = owner
    return filters, errors


# --- Figures ----------------------------------------------------------------------------------------


@dataclass
class TimeRow:
    """Hours of one person, one team or everyone in scope, per time category."""

    key: str
    label: str
    team_label: str = ""
    minutes: dict[str, int] = field(default_factory=dict)

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes.values())

    @property
    def revenue_minutes(self) -> int:
        return sum(m for code, m in self.minutes.items() if code in REVENUE_PRODUCING)

    @property
    def total_hours(self) -> Decimal:
        return hours(self.total_minutes)

    @property
    def revenue_hours(self) -> Decimal:
        return hours(self.revenue_minutes)

    @property
    def revenue_share(self) -> Decimal | None:
        return share(self.revenue_minutes, self.total_minutes)

    @property
    def revenue_pct(self) -> str:
        return percent_text(self.revenue_share)

    @property
    def band(self) -> str:
        return band(self.revenue_minutes, self.total_minutes)

    @property
    def band_label(self) -> str:
        return str(BAND_LABELS[self.band]) if self.band else "—"

    @property
    def category_hours(self) -> list[Decimal]:
        """Hours per category in CATEGORY_ORDER (the table's columns)."""
        return [hours(self.minutes.get(code, 0)) for code in CATEGORY_ORDER]

    def add(self, category: str, minutes: int) -> None:
        self.minutes[category] = self.minutes.get(category, 0) + minutes


@dataclass
class TierRow:
    tier: str
    minutes: int = 0
    customers: int = 0
    profit: Decimal = ZERO
    hours_share: Decimal | None = None
    customer_share: Decimal | None = None
    profit_share: Decimal | None = None

    @property
    def label(self) -> str:
        return _("Tier %(tier)s") % {"tier": self.tier}

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def hours_pct(self) -> str:
        return percent_text(self.hours_share)

    @property
    def customer_pct(self) -> str:
        return percent_text(self.customer_share)

    @property
    def profit_pct(self) -> str:
        return percent_text(self.profit_share)


@dataclass
class TimeAnalysis:
    filters: TimeFilters
    reps: list[TimeRow] = field(default_factory=list)
    teams: list[TimeRow] = field(default_factory=list)
    total: TimeRow = field(default_factory=lambda: TimeRow(key="total", label=""))
    tiers: list[TierRow] = field(default_factory=list)
    profit_window: tuple[dt.date, dt.date] | None = None

    @property
    def is_empty(self) -> bool:
        return self.total.total_minutes == 0


def done_activities(user: User, *, team: Team | None = None, owner: User | None = None) -> QuerySet[Activity]:
    """Done activities in the user's view, owned by people the user may look at."""
    qs = activities_for(user, Activity.objects.filter(status=ActivityStatus.DONE))
    if not user.sees_everything:
        qs = qs.filter(owner__in=visible_users(user))
    if team is not None:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([team.pk]))
    if owner is not None:
        qs = qs.filter(owner_id=owner.pk)
    return qs


def in_window(qs: QuerySet[Activity], start: dt.date, end: dt.date) -> QuerySet[Activity]:
    """Activities starting on the local days [start, end)."""
    lower, upper = local_bounds(start, end)
    return qs.filter(start__gte=lower, start__lt=upper)


def minutes_by_customer_group(
    user: User, customers: QuerySet[Customer], *, by: str, start: dt.date, end: dt.date
) -> dict[str, int]:
    """Minutes of done activities on these customers over the local days [start, end), per the
    customers' `tier` or `segment`: one grouped query (the pyramid's sales-hours column)."""
    qs = in_window(
        activities_for(
            user,
            Activity.objects.filter(status=ActivityStatus.DONE, customer__in=customers.values("pk")),
        ),
        start,
        end,
    )
    return dict(
        qs.order_by().values_list(f"customer__{by}").annotate(minutes=Sum("duration_minutes"))  # type: ignore[arg-type]
    )


def time_analysis(
    user: User,
    *,
    month: dt.date,
    team: Team | None = None,
    owner: User | None = None,
    with_idle_reps: bool = True,
) -> TimeAnalysis:
    """Hours per time category of each rep and team in scope for one month, the share that
    produces revenue with its §10 band, and the hours per customer tier beside the tier's share
    of customers and of gross profit (won deals of the 12 months up to the month's end)."""
    first = month_start(month)
    after = next_month(first)
    result = TimeAnalysis(filters=TimeFilters(month=first, team=team, owner=owner))
    activities = in_window(done_activities(user, team=team, owner=owner), first, after)

    # The month is read once, grouped by owner, category and customer tier: table 1 (hours per
    # owner and category; the teams and the total add up these rows) and table 2's hours per tier
    # are sums of these few groups.
    per_owner = (
        activities.order_by()
        .values(
            "owner_id",
            "owner__name",
            "owner__username",
            "owner__team_id",
            "owner__team__name",
            "kind__time_category",
            "customer__tier",
        )
        .annotate(minutes=Sum("duration_minutes"))
    )
    reps: dict[int, TimeRow] = {}
    teams: dict[int | None, TimeRow] = {}
    tier_minutes: dict[str, int] = {}
    for row in per_owner:
        tier_minutes[row["customer__tier"]] = tier_minutes.get(row["customer__tier"], 0) + (
            row["minutes"] or 0
        )
        rep = reps.get(row["owner_id"])
        if rep is None:
            rep = reps[row["owner_id"]] = TimeRow(
                key=str(row["owner_id"]),
                label=row["owner__name"] or row["owner__username"],
                team_label=row["owner__team__name"] or "",
            )
        team_id = row["owner__team_id"]
        team_row = teams.get(team_id)
        if team_row is None:
            team_row = teams[team_id] = TimeRow(
                key=str(team_id or ""), label=row["owner__team__name"] or _("No team")
            )
        category, minutes = row["kind__time_category"], row["minutes"] or 0
        rep.add(category, minutes)
        team_row.add(category, minutes)
        result.total.add(category, minutes)
    # The reps in scope who logged nothing show too: an empty month is a finding.
    people = visible_users(user).filter(is_active=True, role=Role.REP)
    if team is not None:
        people = people.filter(team_id__in=team_subtree_ids([team.pk]))
    if owner is not None:
        people = people.filter(pk=owner.pk)
    idle = people.exclude(pk__in=list(reps)) if with_idle_reps else people.none()
    for person in idle.values("id", "name", "username", "team__name"):
        reps[person["id"]] = TimeRow(
            key=str(person["id"]),
            label=person["name"] or person["username"],
            team_label=person["team__name"] or "",
        )
    result.reps = sorted(reps.values(), key=lambda r: (r.team_label, r.label))
    result.teams = sorted(teams.values(), key=lambda r: r.label)
    result.total.label = _("Total")

    # Table 2: hours per customer tier, against the tier's share of customers and of profit.
    customers = customers_for(user, Customer.objects.all())
    if team is not None:
        customers = customers.filter(owner__team_id__in=team_subtree_ids([team.pk]))
    if owner is not None:
        customers = customers.filter(owner_id=owner.pk)
    tier_customers = dict(customers.order_by().values_list("tier").annotate(n=Count("id")))  # type: ignore[arg-type]
    window_start = year_before(after)
    result.profit_window = (window_start, after - dt.timedelta(days=1))
    lower, upper = local_bounds(window_start, after)
    won = opportunities_for(
        user,
        Opportunity.objects.filter(
            status=OpportunityStatus.WON,
            closed_at__gte=lower,
            closed_at__lt=upper,
            customer__in=customers.values("pk"),
        ),
    )
    tier_profit = dict(
        won.order_by().values_list("customer__tier").annotate(profit=Sum(GROSS_PROFIT))  # type: ignore[arg-type]
    )
    total_minutes = sum(tier_minutes.values())
    total_customers = sum(tier_customers.values())
    total_profit = sum((Decimal(v or 0) for v in tier_profit.values()), ZERO)
    for tier in TIER_ORDER:
        tier_row = TierRow(
            tier=str(tier),
            minutes=tier_minutes.get(tier, 0) or 0,
            customers=tier_customers.get(tier, 0),
            profit=Decimal(tier_profit.get(tier) or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        )
        tier_row.hours_share = share(tier_row.minutes, total_minutes)
        tier_row.customer_share = share(tier_row.customers, total_customers)
        tier_row.profit_share = share(tier_row.profit, total_profit) if total_profit > 0 else None
        result.tiers.append(tier_row)
    return result


def monthly_trend(
    user: User,
    *,
    month: dt.date,
    team: Team | None = None,
    owner: User | None = None,
    months: int = TREND_MONTHS,
) -> list[TimeRow]:
    """Hours per time category for each of the `months` months up to the chosen one (oldest
    first), in the same scope: one grouped query, the share and band of each month beside it."""
    last = month_start(month)
    firsts = [last]
    for _step in range(max(1, months) - 1):
        firsts.insert(0, month_start(firsts[0] - dt.timedelta(days=1)))
    rows = {first: TimeRow(key=first.strftime("%Y-%m"), label=first.strftime("%Y-%m")) for first in firsts}
    activities = in_window(done_activities(user, team=team, owner=owner), firsts[0], next_month(last))
    grouped: Any = (
        activities.order_by()
        .annotate(month=TruncMonth("start", output_field=DateField(), tzinfo=timezone.get_current_timezone()))
        .values("month", "kind__time_category")
        .annotate(minutes=Sum("duration_minutes"))
    )
    for row in grouped:
        target = rows.get(row["month"])
        if target is not None:
            target.add(row["kind__time_category"], row["minutes"] or 0)
    return list(rows.values())


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- JSON -------------------------------------------------------------------------------------------


def row_payload(row: TimeRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "team": row.team_label or None,
        "hours": row.total_hours,
        "revenue_hours": row.revenue_hours,
        "revenue_share": row.revenue_share,
        "band": row.band or None,
        "categories": {code: hours(row.minutes.get(code, 0)) for code in CATEGORY_ORDER},
    }


def payload(result: TimeAnalysis) -> dict[str, Any]:
    filters = result.filters
    window = result.profit_window
    return {
        "month": filters.month.strftime("%Y-%m"),
        "team": {"id": filters.team.pk, "name": filters.team.name} if filters.team else None,
        "owner": {"id": filters.owner.pk, "name": str(filters.owner)} if filters.owner else None,
        "categories": [
            {"code": code, "label": category_label(code), "revenue_producing": code in REVENUE_PRODUCING}
            for code in CATEGORY_ORDER
        ],
        "bands": {"good_from": GOOD_FROM, "ordinary_from": ORDINARY_FROM, "ordinary_to": ORDINARY_TO},
        "reps": [row_payload(r) for r in result.reps],
        "teams": [row_payload(r) for r in result.teams],
        "total": row_payload(result.total),
        "tiers": [
            {
                "tier": t.tier,
                "hours": t.hours,
                "hours_share": t.hours_share,
                "customers": t.customers,
                "customer_share": t.customer_share,
                "gross_profit": t.profit,
                "gross_profit_share": t.profit_share,
            }
            for t in result.tiers
        ],
        "profit_window_start": window[0] if window else None,
        "profit_window_end": window[1] if window else None,
    }
