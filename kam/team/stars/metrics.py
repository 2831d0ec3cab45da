"""Each criterion's metric computed from kam's data, for many people over one period at once.

Every function takes the people's ids and the period's first and last day (both included) and
answers `{user id: value}` with a fixed number of queries whatever the number of people; a person
without data gets 0. Amounts are in 元; percentages are 0–100."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from kam.activities.metrics.selectors import cycle_after, cycle_of, matches
from kam.activities.models import Activity, ActivityStatus, ProcessMetric
from kam.activities.time.selectors import local_bounds
from kam.customers.models import Customer, Segment, Tier
from kam.delivery.models import Contract, SatisfactionSurvey, SurveyScale
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import Target
from kam.team.playbook.selectors import certified_user_ids
from kam.team.stars.models import Metric

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Values = dict[int, Decimal]


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _won_in(start: dt.date, end: dt.date) -> Q:
    lower, upper = local_bounds(start, end + dt.timedelta(days=1))
    return Q(status=OpportunityStatus.WON, closed_at__gte=lower, closed_at__lt=upper)


def won_revenue(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """The amount of the deals each person owns that were won in the period."""
    rows = (
        Opportunity.objects.filter(_won_in(start, end), owner_id__in=ids)
        .order_by()
        .values_list("owner_id")
        .annotate(total=Sum("amount"))
    )
    return {owner: _round(total or Decimal(0)) for owner, total in rows}


def new_key_accounts(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """Key accounts (tier A or the key segment) whose first won deal ever was won in the period,
    counted for the owner of that deal."""
    first_won = (
        Opportunity.objects.filter(customer=OuterRef("customer"), status=OpportunityStatus.WON)
        .order_by("closed_at", "id")
        .values("id")[:1]
    )
    key = Q(customer__tier=Tier.A) | Q(customer__segment=Segment.KEY)
    rows = (
        Opportunity.objects.filter(_won_in(start, end), key, owner_id__in=ids, id=Subquery(first_won))
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("customer", distinct=True))
    )
    return {owner: Decimal(n) for owner, n in rows}


def target_attainment(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """Won revenue against the person's targets lying inside the period, in percent (0 without one)."""
    won = won_revenue(ids, start, end)
    targets = (
        Target.objects.filter(user_id__in=ids, period_start__gte=start, period_end__lte=end)
        .order_by()
        .values_list("user_id")
        .annotate(total=Sum("amount"))
    )
    result: Values = {}
    for user_id, total in targets:
        if total:
            result[user_id] = _round(won.get(user_id, Decimal(0)) * HUNDRED / total)
    return result


def process_passed(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """The share of 1×5 process cells passed: for every active process metric and every one of its
    cycles (week or month) lying wholly inside the period, did the person log at least the
    metric's minimum of matching done activities. Percent; 0 when no cycle fits."""
    metrics = list(
        ProcessMetric.objects.filter(active=True).prefetch_related("kinds").order_by("order", "id")
    )
    cycles: dict[int, list[dt.date]] = {}
    for metric in metrics:
        first = cycle_of(start, metric.cycle)
        if first < start:
            first = cycle_after(first, metric.cycle)
        starts = []
        while cycle_after(first, metric.cycle) <= end + dt.timedelta(days=1):
            starts.append(first)
            first = cycle_after(first, metric.cycle)
        cycles[metric.pk] = starts
    cells = sum(len(starts) for starts in cycles.values())
    if not cells or not ids:
        return {}
    lower, upper = local_bounds(start, end + dt.timedelta(days=1))
    rows: Any = (
        Activity.objects.filter(
            status=ActivityStatus.DONE, owner_id__in=ids, start__gte=lower, start__lt=upper
        )
        .order_by()
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("owner_id", "day")
        .annotate(**{f"m{metric.pk}": Count("id", filter=matches(metric)) for metric in metrics})
    )
    counts: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    for row in rows:
        day = row["day"]
        for metric in metrics:
            if row[f"m{metric.pk}"]:
                counts[(metric.pk, row["owner_id"], cycle_of(day, metric.cycle))] += row[f"m{metric.pk}"]
    result: Values = {}
    for user_id in ids:
        passed = sum(
            1
            for metric in metrics
            for first in cycles[metric.pk]
            if counts.get((metric.pk, user_id, first), 0) >= metric.minimum
        )
        result[user_id] = _round(Decimal(passed) * HUNDRED / cells)
    return result


def certified(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """1 when the person holds the playbook certification on the period's last day, else 0."""
    holders = certified_user_ids(end)
    return {user_id: Decimal(1) for user_id in ids if user_id in holders}


def _survey_percent(scale: str, overall: int) -> Decimal:
    top = 10 if scale == SurveyScale.NPS else 5
    return Decimal(overall) * HUNDRED / top


def satisfaction(ids: list[int], start: dt.date, end: dt.date) -> Values:
    """The mean overall score (as a percent of the scale's top) of the satisfaction surveys taken in
    the period on the customers a person serves: those they own and those of the contracts whose
    implementation they manage."""
    served: dict[int, set[int]] = defaultdict(set)
    for customer_id, owner_id in Customer.objects.filter(owner_id__in=ids).values_list("pk", "owner_id"):
        served[customer_id].add(owner_id)
    for customer_id, manager_id in Contract.objects.filter(project__manager_id__in=ids).values_list(
        "customer_id", "project__manager_id"
    ):
        served[customer_id].add(manager_id)
    if not served:
        return {}
    scores: dict[int, list[Decimal]] = defaultdict(list)
    surveys = SatisfactionSurvey.objects.filter(
        customer_id__in=list(served), taken_on__gte=start, taken_on__lte=end
    ).values_list("customer_id", "scale", "overall")
    for customer_id, scale, overall in surveys:
        for user_id in served[customer_id]:
            scores[user_id].append(_survey_percent(scale, overall))
    return {user_id: _round(sum(values, Decimal(0)) / len(values)) for user_id, values in scores.items()}


COMPUTE: dict[str, Callable[[list[int], dt.date, dt.date], Values]] = {
    Metric.WON_REVENUE: won_revenue,
    Metric.NEW_KEY_ACCOUNTS: new_key_accounts,
    Metric.TARGET_ATTAINMENT: target_attainment,
    Metric.PROCESS_PASSED: process_passed,
    Metric.CERTIFIED: certified,
    Metric.SATISFACTION: satisfaction,
}


def compute(metrics: Iterable[str], ids: list[int], start: dt.date, end: dt.date) -> dict[str, Values]:
    """Each named metric for every person (0 where the data holds nothing)."""
    result: dict[str, Values] = {}
    for metric in metrics:
        values = COMPUTE[metric](ids, start, end) if ids else {}
        result[metric] = {user_id: values.get(user_id, Decimal(0)) for user_id in ids}
    return result
