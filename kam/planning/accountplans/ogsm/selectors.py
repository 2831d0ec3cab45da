"""Reads of a plan's OGSM cascade: the records a reader may reach (404 outside their view), the
cascade as a tree in a fixed number of queries, each goal's actual read from kam's own data, its
status against the share of the year elapsed, and the off-track goals per plan for lists.

`goal_actuals` and `off_track_counts` are the contract the plan list and the reviews read: both
run a bounded number of queries for any number of goals and plans (one per metric, plus one per
level of a customer group's tree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import account_plans_for
from kam.activities.models import Activity, ActivityStatus
from kam.customers.models import Customer
from kam.delivery.models import CustomerCare
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.planning.accountplans.models import (
    AccountPlan,
    ActionStatus,
    GoalMetric,
    PlanAction,
    PlanGoal,
    PlanMeasure,
    PlanMember,
    PlanObjective,
    PlanStrategy,
)
from kam.relationships.coverage.selectors import _key_condition
from kam.relationships.models import Contact, Relationship

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# A customer group's tree is walked one level per query; deeper than this is a data error.
MAX_GROUP_DEPTH = 30


class GoalStatus:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


STATUS_LABELS = {
    GoalStatus.ACHIEVED: gettext_lazy("Achieved"),
    GoalStatus.ON_TRACK: gettext_lazy("On track"),
    GoalStatus.OFF_TRACK: gettext_lazy("Off track"),
    GoalStatus.NO_DATA: gettext_lazy("No data"),
}

# Where each metric's actual comes from, in words for the page.
SOURCES: dict[str, Any] = {
    GoalMetric.MANUAL: gettext_lazy("entered by hand"),
    GoalMetric.WON_REVENUE: gettext_lazy("won opportunities closed this year"),
    GoalMetric.SHARE_OF_WALLET: gettext_lazy("won revenue ÷ the customer's total demand"),
    GoalMetric.WEIGHTED_PIPELINE: gettext_lazy("open opportunities × stage probability"),
    GoalMetric.KEY_PEOPLE_COVERAGE: gettext_lazy("key contacts with a relationship"),
    GoalMetric.VISITS: gettext_lazy("done activities that count as visits this year"),
    GoalMetric.SATISFACTION: gettext_lazy(
        "the latest satisfaction survey (1–5); entered by hand until one is recorded"
    ),
}
MANUAL_METRICS = (GoalMetric.MANUAL,)


# One record by id --------------------------------------------------------------------------------


def get_visible_plan(user: User, pk: Any) -> AccountPlan:
    return _one(account_plans_for(user).select_related("customer", "owner"), pk)


def _one(qs: QuerySet, pk: Any) -> Any:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = qs.filter(pk=number).first()
    if found is None:
        raise Http404
    return found


PLAN_PATHS = {
    "objective": (PlanObjective, "plan"),
    "goal": (PlanGoal, "objective__plan"),
    "strategy": (PlanStrategy, "goal__objective__plan"),
    "measure": (PlanMeasure, "strategy__goal__objective__plan"),
    "action": (PlanAction, "measure__strategy__goal__objective__plan"),
}


def get_visible_record(user: User, level: str, pk: Any) -> Any:
    """An objective, goal, strategy, measure or action of a plan `user` may see (else 404), with
    its parents up to the plan and the plan's customer loaded."""
    if level not in PLAN_PATHS:
        raise Http404
    model, path = PLAN_PATHS[level]
    qs = model._default_manager.filter(
        **{f"{path}__in": account_plans_for(user).values("pk")}
    ).select_related(f"{path}__customer", f"{path}__owner")
    if level == "action":
        qs = qs.select_related("owner", "activity")
    return _one(qs, pk)


# Actions -----------------------------------------------------------------------------------------


def action_status(action: PlanAction) -> str:
    """An action reads done once its linked activity is done (the activity is the record of it)."""
    activity = action.activity
    if action.status == ActionStatus.OPEN and activity is not None and activity.status == ActivityStatus.DONE:
        return ActionStatus.DONE
    return action.status


def is_overdue(action: PlanAction, today: dt.date) -> bool:
    return action_status(action) == ActionStatus.OPEN and action.due_date < today


# Goal actuals ------------------------------------------------------------------------------------


@dataclass
class _Scope:
    plan_id: int
    year: int
    customers: set[int]
    demand: Decimal | None


def _group_members(roots: set[int]) -> tuple[dict[int, set[int]], dict[int, Decimal | None]]:
    """Each root customer's subtree (itself and its subsidiaries, any depth) and the category
    purchases of every customer met: one query per level of the deepest tree."""
    members: dict[int, set[int]] = {root: {root} for root in roots}
    purchases: dict[int, Decimal | None] = {}
    top: dict[int, set[int]] = {root: {root} for root in roots}  # customer → the roots it belongs to
    frontier = set(roots)
    for _depth in range(MAX_GROUP_DEPTH):
        if not frontier:
            break
        rows = Customer.objects.filter(parent_id__in=frontier).values_list(
            "pk", "parent_id", "category_purchases"
        )
        next_frontier: set[int] = set()
        for pk, parent_id, bought in rows:
            purchases[pk] = bought
            for root in top.get(parent_id, ()):
                if pk not in members[root]:
                    members[root].add(pk)
                    top.setdefault(pk, set()).add(root)
                    next_frontier.add(pk)
        frontier = next_frontier
    return members, purchases


def _scopes(plans: dict[int, dict[str, Any]]) -> dict[int, _Scope]:
    groups = {p["customer_id"] for p in plans.values() if p["covers_group"]}
    members, purchases = _group_members(groups) if groups else ({}, {})
    scopes = {}
    for plan_id, p in plans.items():
        root = p["customer_id"]
        customers = members.get(root, {root}) if p["covers_group"] else {root}
        demand = p["total_demand"]
        if demand is None:
            # The customer's own yearly purchases of the category (and its subsidiaries' for a group).
            bought = [p["root_purchases"]] + [purchases.get(c) for c in customers if c != root]
            known = [b for b in bought if b is not None]
            demand = sum(known, Decimal(0)) if known else None
        scopes[plan_id] = _Scope(plan_id, p["year"], customers, demand)
    return scopes


def _won_by_customer_year(customers: set[int], years: set[int]) -> dict[tuple[int, int], Decimal]:
    """Won amounts per (customer, year of the close, or of the sign date where no close is kept)."""
    closed_on = Coalesce(TruncDate("closed_at"), "sign_date", output_field=DateField())
    rows = (
        Opportunity.objects.filter(status=OpportunityStatus.WON, customer_id__in=customers)
        .annotate(year=ExtractYear(closed_on))
        .filter(year__in=years)
        .order_by()
        .values("customer_id", "year")
        .annotate(total=Sum(EXPECTED_AMOUNT))
    )
    return {(r["customer_id"], r["year"]): Decimal(r["total"] or 0) for r in rows}


def _weighted_by_customer(customers: set[int]) -> dict[int, Decimal]:
    rows = (
        Opportunity.objects.filter(status=OpportunityStatus.OPEN, customer_id__in=customers)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum(WEIGHTED_AMOUNT))
    )
    return {r["customer_id"]: Decimal(r["total"] or 0) for r in rows}


def _visits_by_customer_year(customers: set[int], years: set[int]) -> dict[tuple[int, int], int]:
    rows = (
        Activity.objects.filter(
            status=ActivityStatus.DONE, kind__counts_as_visit=True, customer_id__in=customers
        )
        .annotate(year=ExtractYear("start"))
        .filter(year__in=years)
        .order_by()
        .values("customer_id", "year")
        .annotate(n=Count("id"))
    )
    return {(r["customer_id"], r["year"]): r["n"] for r in rows}


def _coverage_by_customer(customers: set[int]) -> dict[int, tuple[int, int]]:
    """(key contacts, key contacts covered) per customer. Key and covered as the coverage net
    (kam.relationships.coverage) says: a senior rank, a strong influence or a decision role in an
    open opportunity; covered when one of our people has a relationship with the person."""
    roles = OpportunityContact.objects.filter(
        contact__customer_id__in=customers, opportunity__status=OpportunityStatus.OPEN
    )
    rows = (
        Contact.objects.filter(Q(customer_id__in=customers) & _key_condition(roles))
        .annotate(covered=Exists(Relationship.objects.filter(contact_id=OuterRef("pk"))))
        .order_by()
        .values("customer_id")
        .annotate(key=Count("id"), covered_n=Count("id", filter=Q(covered=True)))
    )
    return {r["customer_id"]: (r["key"], r["covered_n"]) for r in rows}


def _satisfaction_by_customer(customers: set[int]) -> dict[int, tuple[dt.date | None, int | None]]:
    """The latest survey's level per customer (kept on the care row by kam.delivery)."""
    rows = CustomerCare.objects.filter(
        customer_id__in=customers, satisfaction_level__isnull=False
    ).values_list("customer_id", "satisfaction_on", "satisfaction_level")
    return {customer: (on, level) for customer, on, level in rows}


def goal_actuals(goals: Iterable[PlanGoal]) -> dict[int, Decimal | None]:
    """The actual of each goal, for its plan's year and customer (and subsidiaries for a group
    plan); None where there is nothing to measure (no demand known, no key contact, no hand entry)."""
    ids = [goal.pk for goal in goals]
    if not ids:
        return {}
    rows = list(
        PlanGoal.objects.filter(pk__in=ids).values(
            "pk",
            "metric",
            "manual_actual",
            "objective__plan_id",
            "objective__plan__customer_id",
            "objective__plan__covers_group",
            "objective__plan__year",
            "objective__plan__total_demand",
            "objective__plan__customer__category_purchases",
        )
    )
    plans = {
        r["objective__plan_id"]: {
            "customer_id": r["objective__plan__customer_id"],
            "covers_group": r["objective__plan__covers_group"],
            "year": r["objective__plan__year"],
            "total_demand": r["objective__plan__total_demand"],
            "root_purchases": r["objective__plan__customer__category_purchases"],
        }
        for r in rows
    }
    metrics = {r["metric"] for r in rows}
    scopes = _scopes(plans)
    customers = set().union(*(s.customers for s in scopes.values()))
    years = {s.year for s in scopes.values()}
    won = (
        _won_by_customer_year(customers, years)
        if metrics & {GoalMetric.WON_REVENUE, GoalMetric.SHARE_OF_WALLET}
        else {}
    )
    weighted = _weighted_by_customer(customers) if GoalMetric.WEIGHTED_PIPELINE in metrics else {}
    visits = _visits_by_customer_year(customers, years) if GoalMetric.VISITS in metrics else {}
    coverage = _coverage_by_customer(customers) if GoalMetric.KEY_PEOPLE_COVERAGE in metrics else {}
    satisfaction = _satisfaction_by_customer(customers) if GoalMetric.SATISFACTION in metrics else {}

    def won_of(scope: _Scope) -> Decimal:
        return sum((won.get((c, scope.year), Decimal(0)) for c in scope.customers), Decimal(0))

    result: dict[int, Decimal | None] = {}
    for r in rows:
        scope = scopes[r["objective__plan_id"]]
        metric = r["metric"]
        value: Decimal | None
        if metric in MANUAL_METRICS:
            value = r["manual_actual"]
        elif metric == GoalMetric.WON_REVENUE:
            value = won_of(scope)
        elif metric == GoalMetric.SHARE_OF_WALLET:
            value = won_of(scope) * HUNDRED / scope.demand if scope.demand else None
        elif metric == GoalMetric.WEIGHTED_PIPELINE:
            value = sum((weighted.get(c, Decimal(0)) for c in scope.customers), Decimal(0))
        elif metric == GoalMetric.VISITS:
            value = Decimal(sum(visits.get((c, scope.year), 0) for c in scope.customers))
        elif metric == GoalMetric.SATISFACTION:
            # The latest survey in the plan's scope (the customer, or its group); the hand entry
            # stands until a survey is recorded.
            surveyed = [satisfaction[c] for c in scope.customers if c in satisfaction]
            latest = max(surveyed, key=lambda pair: pair[0] or dt.date.min) if surveyed else None
            value = Decimal(latest[1]) if latest and latest[1] is not None else r["manual_actual"]
        elif metric == GoalMetric.KEY_PEOPLE_COVERAGE:
            key = sum(coverage.get(c, (0, 0))[0] for c in scope.customers)
            covered = sum(coverage.get(c, (0, 0))[1] for c in scope.customers)
            value = Decimal(covered) * HUNDRED / key if key else None
        else:
            value = r["manual_actual"]
        result[r["pk"]] = None if value is None else Decimal(value).quantize(CENT)
    return result


# Goal status -------------------------------------------------------------------------------------


def elapsed_share(year: int, due_date: dt.date | None, today: dt.date) -> Decimal:
    """The share (0–1) of the plan's year, or of the span from its start to the goal's due date,
    that has passed by `today`."""
    start = dt.date(year, 1, 1)
    end = due_date or dt.date(year, 12, 31)
    if today >= end:
        return Decimal(1)
    if today <= start or end <= start:
        return Decimal(0)
    return Decimal((today - start).days) / Decimal((end - start).days)


def goal_status(goal: PlanGoal, actual: Decimal | None, today: dt.date, *, year: int | None = None) -> str:
    """achieved (actual ≥ target), on track (actual ≥ target × the share of the span elapsed),
    off track, or no data. `year` defaults to the goal's plan's year (loaded with the goal)."""
    if actual is None:
        return GoalStatus.NO_DATA
    if actual >= goal.target:
        return GoalStatus.ACHIEVED
    plan_year = year if year is not None else goal.objective.plan.year
    if actual >= goal.target * elapsed_share(plan_year, goal.due_date, today):
        return GoalStatus.ON_TRACK
    return GoalStatus.OFF_TRACK


def progress(goal: PlanGoal, actual: Decimal | None) -> int | None:
    """The actual as a whole percentage of the target, capped at 100 (for the bar)."""
    if actual is None:
        return None
    if not goal.target:
        return 100
    return int(min(HUNDRED, actual * HUNDRED / goal.target))


def off_track_counts(plan_ids: Iterable[int], today: dt.date | None = None) -> dict[int, int]:
    """The number of goals off track per plan (plans with none are left out)."""
    ids = list(plan_ids)
    if not ids:
        return {}
    today = today or timezone.localdate()
    goals = list(
        PlanGoal.objects.filter(objective__plan_id__in=ids)
        .select_related("objective")
        .only("id", "target", "due_date", "metric", "objective__plan_id")
    )
    years = dict(AccountPlan.objects.filter(pk__in=ids).values_list("pk", "year"))
    actuals = goal_actuals(goals)
    counts: dict[int, int] = {}
    for goal in goals:
        plan_id = goal.objective.plan_id
        if goal_status(goal, actuals.get(goal.pk), today, year=years[plan_id]) == GoalStatus.OFF_TRACK:
            counts[plan_id] = counts.get(plan_id, 0) + 1
    return counts


# The cascade -------------------------------------------------------------------------------------


@dataclass
class GoalRow:
    goal: PlanGoal
    actual: Decimal | None
    status: str
    progress: int | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def source(self) -> str:
        return str(SOURCES.get(self.goal.metric, ""))

    @property
    def off_track(self) -> bool:
        return self.status == GoalStatus.OFF_TRACK


@dataclass
class Cascade:
    plan: AccountPlan
    objectives: list[PlanObjective]
    goals: dict[int, GoalRow] = field(default_factory=dict)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def goal_count(self) -> int:
        return len(self.goals)

    @property
    def off_track(self) -> int:
        return sum(1 for row in self.goals.values() if row.off_track)

    def rows(self) -> list[dict[str, Any]]:
        """The table: one row per action, or per leaf where a branch has no action yet; each row
        names its parents and how many rows each parent spans (0 where it is not the first)."""
        table: list[dict[str, Any]] = []
        for objective in self.objectives:
            for_objective: list[dict[str, Any]] = []
            goals = list(objective.goals.all())
            if not goals:
                for_objective.append({"objective": objective})
            for goal in goals:
                for_goal: list[dict[str, Any]] = []
                strategies = list(goal.strategies.all())
                if not strategies:
                    for_goal.append({"objective": objective, "goal": goal})
                for strategy in strategies:
                    for_strategy: list[dict[str, Any]] = []
                    measures = list(strategy.measures.all())
                    if not measures:
                        for_strategy.append({"objective": objective, "goal": goal, "strategy": strategy})
                    for measure in measures:
                        actions = list(measure.actions.all())
                        base = {
                            "objective": objective,
                            "goal": goal,
                            "strategy": strategy,
                            "measure": measure,
                        }
                        if not actions:
                            for_strategy.append({**base, "measure_span": 1})
                        for index, action in enumerate(actions):
                            for_strategy.append(
                                {**base, "action": action, "measure_span": 0 if index else len(actions)}
                            )
                    for index, row in enumerate(for_strategy):
                        row["strategy_span"] = 0 if index else len(for_strategy)
                    for_goal.extend(for_strategy)
                for index, row in enumerate(for_goal):
                    row["goal_span"] = 0 if index else len(for_goal)
                    row["goal_row"] = self.goals.get(goal.pk)
                for_objective.extend(for_goal)
            for index, row in enumerate(for_objective):
                row["objective_span"] = 0 if index else len(for_objective)
            table.extend(for_objective)
        for row in table:
            row.setdefault("goal_span", 1 if "goal" in row else 0)
            row.setdefault("strategy_span", 1 if "strategy" in row else 0)
            row.setdefault("measure_span", 1 if "measure" in row else 0)
            if row.get("action") is not None:
                row["action_status"] = action_status(row["action"])
                row["overdue"] = is_overdue(row["action"], self.today)
        return table


def cascade(plan: AccountPlan, *, today: dt.date | None = None) -> Cascade:
    """The plan's objectives with their goals, strategies, measures and actions (five queries),
    and each goal's actual and status (goal_actuals' few)."""
    actions = PlanAction.objects.select_related("owner", "activity").order_by("due_date", "id")
    objectives = list(
        PlanObjective.objects.filter(plan=plan)
        .order_by("order", "id")
        .prefetch_related(
            Prefetch("goals", queryset=PlanGoal.objects.order_by("order", "id")),
            Prefetch("goals__strategies", queryset=PlanStrategy.objects.order_by("order", "id")),
            Prefetch("goals__strategies__measures", queryset=PlanMeasure.objects.order_by("order", "id")),
            Prefetch("goals__strategies__measures__actions", queryset=actions),
        )
    )
    today = today or timezone.localdate()
    goals = [goal for objective in objectives for goal in objective.goals.all()]
    actuals = goal_actuals(goals)
    rows = {}
    for goal in goals:
        actual = actuals.get(goal.pk)
        rows[goal.pk] = GoalRow(
            goal=goal,
            actual=actual,
            status=goal_status(goal, actual, today, year=plan.year),
            progress=progress(goal, actual),
        )
    return Cascade(plan=plan, objectives=objectives, goals=rows, today=today)


def owner_candidates(user: User, plan: AccountPlan) -> QuerySet[User]:
    """Who an action can be given to: the people `user` may see the work of, the plan's owner and
    members and the customer's owner. Whether they see the customer is the service's rule."""
    ids = (
        Q(pk__in=visible_users(user).values("pk"))
        | Q(pk=plan.owner_id)
        | Q(pk__in=PlanMember.objects.filter(plan=plan).values("user_id"))
    )
    if plan.customer.owner_id:
        ids |= Q(pk=plan.customer.owner_id)
    return User.objects.filter(ids, is_active=True).distinct().order_by("name", "username")


def summary(plan: AccountPlan) -> str:
    return _("%(plan)s: OGSM") % {"plan": plan}
