"""The forecast of one customer: this quarter and the next three, and the year so far.

The same figures and rules as the forecast page (kam.insights.forecast.selectors): periods by expected sign
date, open and won opportunities alike, the forecast category the owner set or else the stage's,
visibility-scoped. One GROUP BY over the customer's opportunities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from kam.access.visibility import opportunities_for
from kam.customers.models import Customer
from kam.insights.forecast.periods import PeriodKey, period_key_bounds, period_key_label
from kam.insights.forecast.selectors import Figures, forecast_aggregates
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User

QUARTERS_AHEAD = 4  # this quarter and the next three


@dataclass
class QuarterForecast:
    key: int
    label: str
    start: dt.date
    end: dt.date
    figures: Figures


@dataclass
class CustomerForecast:
    quarters: list[QuarterForecast]
    year: int
    # Every quarter of this calendar year, past ones included: "won so far this year" is its `won`.
    year_figures: Figures

    @property
    def totals(self) -> Figures:
        """The four quarters shown, added up."""
        total = Figures()
        for quarter in self.quarters:
            total.add(quarter.figures)
        return total


def next_quarter_keys(today: dt.date, count: int = QUARTERS_AHEAD) -> list[int]:
    keys = []
    year, quarter = today.year, (today.month + 2) // 3
    for _ in range(count):
        keys.append(year * 10 + quarter)
        quarter += 1
        if quarter > 4:
            year, quarter = year + 1, 1
    return keys


def customer_forecast(user: User, customer: Customer, *, today: dt.date | None = None) -> CustomerForecast:
    today = today or timezone.localdate()
    keys = next_quarter_keys(today)
    start = dt.date(today.year, 1, 1)  # from January: the year's won deals, past quarters too
    end = period_key_bounds(keys[-1], "quarter")[1]
    aggregates: dict[str, Any] = forecast_aggregates()
    category = aggregates.pop("_category_expr")
    qs = opportunities_for(
        user,
        Opportunity.objects.filter(
            customer=customer,
            status__in=[OpportunityStatus.OPEN, OpportunityStatus.WON],
            sign_date__gte=start,
            sign_date__lte=end,
        ),
    )
    rows = (
        qs.alias(fc_category=category)
        .annotate(period_key=PeriodKey(F("sign_date"), "quarter"))
        .values("period_key")
        .annotate(**aggregates)
        .order_by("period_key")
    )
    by_key = {row["period_key"]: Figures.from_row(row) for row in rows}
    year_figures = Figures()
    for key, figures in by_key.items():
        if key // 10 == today.year:
            year_figures.add(figures)
    quarters = []
    for key in keys:
        first, last = period_key_bounds(key, "quarter")
        quarters.append(
            QuarterForecast(key, period_key_label(key, "quarter"), first, last, by_key.get(key, Figures()))
        )
    return CustomerForecast(quarters=quarters, year=today.year, year_figures=year_figures)
