"""A score's inputs read from kam's data: the dynamic criteria as SQL aggregates over deals, and the static values people chose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    ExpressionWrapper,
    F,
    Min,
    Q,
    Sum,
    Value,
)
from django.utils import timezone

from kam.customers.models import (
    Customer,
    CustomerCriterionValue,
    DynamicSource,
)
from kam.delivery.models import CustomerCare
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, MONEY, WEIGHTED_AMOUNT

ZERO = Decimal("0")
HUNDRED = Decimal("100")
YEAR = dt.timedelta(days=365)
# The customer's care row (kept by kam.delivery: the latest satisfaction and its churn risk), joined
# to the customers' read by its reverse name.
CARE = CustomerCare._meta.get_field("customer").related_query_name()


@dataclass(frozen=True)
class IdRange:
    """Customers by id range, for a full rescore in batches without long IN lists; an open end
    (None) also takes customers added while the rescore runs."""

    first: int | None
    last: int | None


# Which customers a read covers: these ids, an id range, or all (None).
Scope = list[int] | IdRange | None


def filtered(qs: Any, scope: Scope, field: str = "customer_id") -> Any:
    if scope is None:
        return qs
    if isinstance(scope, IdRange):
        if scope.first is not None:
            qs = qs.filter(**{f"{field}__gte": scope.first})
        if scope.last is not None:
            qs = qs.filter(**{f"{field}__lte": scope.last})
        return qs
    return qs.filter(**{f"{field}__in": scope})


def dynamic_inputs(
    customer_ids: Scope, *, now: dt.datetime | None = None
) -> dict[int, dict[str, Decimal | None]]:
    """Every dynamic source's value per customer, from three aggregate queries.

    Won amounts count by the close date: the last 12 months, and the 12 before for growth.
    Gross profit is the won amount times the opportunity's estimated gross margin.
    """
    now = now or timezone.now()
    year_ago, two_years_ago = now - YEAR, now - 2 * YEAR
    last_year = Q(closed_at__gt=year_ago, closed_at__lte=now)
    year_before = Q(closed_at__gt=two_years_ago, closed_at__lte=year_ago)
    gross_profit = ExpressionWrapper(EXPECTED_AMOUNT * F("gross_margin") / Value(HUNDRED), output_field=MONEY)
    won = (
        filtered(Opportunity.objects.filter(status=OpportunityStatus.WON), customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(
            won_12m=Sum(EXPECTED_AMOUNT, filter=last_year),
            won_prev=Sum(EXPECTED_AMOUNT, filter=year_before),
            profit_12m=Sum(gross_profit, filter=last_year),
            first_won=Min("closed_at"),
        )
    )
    pipeline = (
        filtered(Opportunity.objects.filter(status=OpportunityStatus.OPEN), customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(weighted=Sum(WEIGHTED_AMOUNT))
    )
    # The care row (kam.delivery keeps it) joins the customers' read: satisfaction and churn risk
    # cost no query of their own.
    customers = filtered(
        Customer.objects.order_by().values_list(
            "id", "category_purchases", f"{CARE}__satisfaction_level", f"{CARE}__churn_percent"
        ),
        customer_ids,
        "id",
    )

    result: dict[int, dict[str, Decimal | None]] = {}
    for customer_id, category_purchases, satisfaction, churn in customers:
        result[customer_id] = {
            DynamicSource.YEARS_AS_CUSTOMER: None,
            DynamicSource.WON_AMOUNT_12M: ZERO,
            DynamicSource.SHARE_OF_WALLET: ZERO if category_purchases else None,
            DynamicSource.GROSS_PROFIT_12M: None,
            DynamicSource.OPEN_WEIGHTED_PIPELINE: ZERO,
            DynamicSource.GROWTH_YOY: None,
            DynamicSource.SATISFACTION: None if satisfaction is None else Decimal(satisfaction),
            DynamicSource.CHURN_RISK: churn,
            "_category_purchases": category_purchases,
        }
    for row in won:
        inputs = result.get(row["customer_id"])
        if inputs is None:
            continue
        won_12m = row["won_12m"] or ZERO
        won_prev = row["won_prev"] or ZERO
        inputs[DynamicSource.WON_AMOUNT_12M] = won_12m
        inputs[DynamicSource.GROSS_PROFIT_12M] = row["profit_12m"]
        if row["first_won"] is not None:
            days = (now - row["first_won"]).days
            inputs[DynamicSource.YEARS_AS_CUSTOMER] = Decimal(max(days, 0)) / Decimal("365.25")
        category_purchases = inputs["_category_purchases"]
        if category_purchases:
            inputs[DynamicSource.SHARE_OF_WALLET] = won_12m * HUNDRED / category_purchases
        # Growth needs a base year: without one it is "no data", not infinite growth.
        if won_prev > 0:
            inputs[DynamicSource.GROWTH_YOY] = (won_12m - won_prev) * HUNDRED / won_prev
    for row in pipeline:
        inputs = result.get(row["customer_id"])
        if inputs is not None:
            inputs[DynamicSource.OPEN_WEIGHTED_PIPELINE] = row["weighted"] or ZERO
    for inputs in result.values():
        inputs.pop("_category_purchases", None)
    return result


def static_values(customer_ids: Scope) -> dict[int, dict[int, int]]:
    qs = filtered(CustomerCriterionValue.objects.order_by(), customer_ids)
    result: dict[int, dict[int, int]] = {}
    for customer_id, criterion_id, band_id in qs.values_list("customer_id", "criterion_id", "band_id"):
        result.setdefault(customer_id, {})[criterion_id] = band_id
    return result
