"""The demo's six months of sales work: every rep's activities, weekly and monthly plans with goals
and their managers' comments, and each person's selling hours.

All of it goes through the services (create_activity, the plan services, set_selling_capacity),
as the workspace would write it. Plan against actual has every outcome: most planned visits are
done as planned, some are moved, some dropped (cancelled, or still planned when the week ended),
and every week has unplanned work. Reps differ in how much of their time sells, so the time
analysis shows each band of DOMAIN.md §10.

Randomness comes from a stream of its own, so the rest of the demo is the same as without it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from kam.activities.metrics.services import create_metric
from kam.activities.models import (
    REVENUE_PRODUCING,
    Activity,
    ActivityKind,
    ActivityStatus,
    Plan,
    PlanPeriod,
    ProcessMetric,
)
from kam.activities.plans import periods
from kam.activities.plans.services import (
    add_comment,
    add_goal,
    add_planned_activity,
    create_plan,
    update_goal,
)
from kam.activities.policy.services import set_selling_capacity
from kam.activities.services import create_activity, update_activity
from kam.customers.models import Customer, CustomerStatus
from kam.demo import data
from kam.opportunities.models import Opportunity
from kam.org.models import Role, User
from kam.relationships.models import Contact

if TYPE_CHECKING:
    from kam.demo.generator import Account, DemoBuilder

WEEKS = 26  # six months of past weeks, then this week and the next
PLANNED_WEEKS = 12  # the weeks (before this one) that had a weekly plan
PLANNED_MONTHS = 6  # monthly plans: this month and the five before
# Each rep's share of activities that sell, in the order of data.USERS: from the good band of
# §10 (40–50 %) down to the ordinary one (15–25 %).
FOCUS = [0.55, 0.45, 0.25, 0.5, 0.2, 0.4, 0.3]
# How likely a customer of each tier is picked for the next customer-facing activity.
TIER_WEIGHT = {"A": 8, "B": 4, "C": 2, "D": 1}
# Kind code: weight among its group and duration range in minutes.
SELLING_KINDS = {
    "visit": (10, (60, 180)),
    "call": (5, (15, 30)),
    "meeting": (4, (60, 120)),
    "meal": (2, (90, 150)),
    "demo": (1, (60, 120)),
    "technical-exchange": (3, (90, 180)),
    "proposal": (3, (120, 240)),
    "bid": (1, (180, 300)),
    "negotiation": (1, (60, 120)),
    "site-survey": (1, (120, 240)),
    "account-planning": (2, (60, 120)),
}
OTHER_KINDS = {
    "travel": (6, (60, 240)),
    "admin": (3, (30, 90)),
    "report": (2, (30, 60)),
    "internal-meeting": (3, (60, 120)),
    "service": (2, (60, 180)),
    "other": (1, (30, 60)),
}
# What became of a planned visit in a week that is over.
DONE_AS_PLANNED, MOVED, CANCELLED, LEFT = "done", "moved", "cancelled", "left"
OUTCOMES = [DONE_AS_PLANNED, MOVED, CANCELLED, LEFT]
OUTCOME_WEIGHTS = [74, 12, 8, 6]


@dataclass
class Deal:
    pk: int
    customer_id: int
    owner_id: int
    created_at: dt.datetime
    closed_at: dt.datetime | None
    opportunity: Opportunity


class ActivityBuilder:
    def __init__(self, builder: DemoBuilder, seed: int) -> None:
        self.rng = random.Random(seed + 2)
        self.builder = builder
        self.today = builder.today
        self.this_monday = self.today - dt.timedelta(days=self.today.weekday())
        self.kinds = {k.code: k for k in ActivityKind.objects.filter(active=True)}
        self.counts: dict[str, int] = {}
        owned: dict[int, list[Account]] = {}
        tiers = dict(
            Customer.objects.filter(pk__in=[a.customer.pk for a in builder.accounts]).values_list(
                "pk", "tier"
            )
        )
        self.tier = tiers
        for account in builder.accounts:
            if account.customer.status == CustomerStatus.LOST:
                continue  # nobody visits a lost customer any more
            owned.setdefault(account.customer.owner_id, []).append(account)
        self.owned = owned
        self.deals: dict[tuple[int, int], list[Deal]] = {}
        for opportunity in Opportunity.objects.filter(
            customer__in=[a.customer.pk for a in builder.accounts]
        ).order_by("pk"):
            deal = Deal(
                opportunity.pk,
                opportunity.customer_id,
                opportunity.owner_id,
                opportunity.created_at,
                opportunity.closed_at,
                opportunity,
            )
            self.deals.setdefault((opportunity.customer_id, opportunity.owner_id), []).append(deal)

    # -- helpers -------------------------------------------------------------------------------
    def moment(self, day: dt.date) -> dt.datetime:
        """A start in working hours on `day` (local time), on the half hour."""
        hour = self.rng.randint(9, 16)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30 * self.rng.randint(0, 1))))

    def pick_kind(self, focus: float) -> tuple[ActivityKind, int]:
        group = SELLING_KINDS if self.rng.random() < focus else OTHER_KINDS
        codes = [code for code in group if code in self.kinds]
        code = self.rng.choices(codes, [group[c][0] for c in codes])[0]
        low, high = group[code][1]
        return self.kinds[code], 15 * self.rng.randint(low // 15, high // 15)

    def pick_account(self, rep: User) -> Account:
        accounts = self.owned[rep.pk]
        return self.rng.choices(accounts, [TIER_WEIGHT.get(self.tier[a.customer.pk], 1) for a in accounts])[0]

    def contacts_for(self, account: Account, kind: ActivityKind) -> list[Contact]:
        if not (kind.counts_as_visit or kind.code == "call") or not account.people:
            return []
        # Mostly the leadership and department heads; now and then someone on the staff.
        senior = [p.contact for p in account.people if p.depth <= 2]
        pool = senior if senior and self.rng.random() < 0.8 else [p.contact for p in account.people]
        return self.rng.sample(pool, k=min(len(pool), self.rng.choice([1, 1, 2])))

    def deal_for(self, account: Account, rep: User, start: dt.datetime) -> Opportunity | None:
        """One of the rep's deals at the customer that was open at `start`, two times in three."""
        alive = [
            d
            for d in self.deals.get((account.customer.pk, rep.pk), [])
            if d.created_at <= start and (d.closed_at is None or start <= d.closed_at)
        ]
        if not alive or self.rng.random() < 1 / 3:
            return None
        return self.rng.choice(alive).opportunity

    def summary(self, kind: ActivityKind, account: Account) -> str:
        texts = data.ACTIVITY_SUMMARIES.get(kind.code) or data.ACTIVITY_SUMMARIES["other"]
        return self.rng.choice(texts).format(customer=account.customer.short_name or account.customer.name)

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    # -- one activity --------------------------------------------------------------------------
    def log(self, rep: User, focus: float, day: dt.date, plan: Plan | None = None) -> Activity | None:
        """One activity of `rep` on `day`: done before today, planned (into `plan`) from today on."""
        rng = self.rng
        kind, minutes = self.pick_kind(focus)
        account = self.pick_account(rep)
        start = self.moment(day)
        contacts = self.contacts_for(account, kind)
        opportunity = self.deal_for(account, rep, start) if kind.time_category in REVENUE_PRODUCING else None
        people: list[User] = []
        if contacts and self.tier[account.customer.pk] == "A" and rng.random() < 0.15:
            people = [self.builder.manager(account.team)]
        summary = self.summary(kind, account)
        # From today on, work is still planned: a fixed line keeps the same seed giving the same
        # world whatever the hour the demo is built.
        planned = day >= self.today
        # Work ahead is in the week's plan; done work was planned for the most part when it sold.
        selling = kind.time_category in REVENUE_PRODUCING
        in_plan = plan is not None and (planned or (selling and rng.random() < 0.8))
        if planned and not in_plan:
            return None  # no plan for that week: nothing in the calendar yet
        if in_plan and plan is not None:
            outcome = DONE_AS_PLANNED if planned else rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
            if outcome == DONE_AS_PLANNED and not planned:
                # Planned and done as planned: what logging the planned visit afterwards leaves.
                activity = create_activity(
                    by=rep,
                    kind=kind,
                    customer=account.customer,
                    start=start,
                    summary=summary,
                    duration_minutes=minutes,
                    opportunity=opportunity,
                    contacts=contacts,
                    our_people=people,
                    plan=plan,
                    **self.result(start),
                )
                self._count("planned and done")
                return activity
            activity = add_planned_activity(
                plan,
                by=rep,
                kind=kind,
                customer=account.customer,
                start=start,
                summary=summary,
                duration_minutes=minutes,
                opportunity=opportunity,
                contacts=contacts,
                our_people=people,
            )
            if planned:
                self._count("planned ahead")
            elif outcome == MOVED:
                later = start + dt.timedelta(days=rng.choice([1, 2, 7]))
                changes: dict = {"start": later}
                if timezone.localdate(later) < self.today:
                    changes |= {"status": ActivityStatus.DONE, **self.result(later)}
                activity = update_activity(activity, by=rep, version=activity.version, **changes)
                self._count("planned and moved")
            elif outcome == CANCELLED:
                activity = update_activity(
                    activity, by=rep, version=activity.version, status=ActivityStatus.CANCELLED
                )
                self._count("planned and cancelled")
            else:
                self._count("planned and left open")
            return activity
        activity = create_activity(
            by=rep,
            kind=kind,
            customer=account.customer,
            start=start,
            summary=summary,
            duration_minutes=minutes,
            opportunity=opportunity,
            contacts=contacts,
            our_people=people,
            **self.result(start),
        )
        self._count("unplanned")
        return activity

    def result(self, start: dt.datetime) -> dict:
        """Outcome and next step of a done visit, half the time."""
        if self.rng.random() < 0.5:
            return {}
        return {
            "outcome": self.rng.choice(data.ACTIVITY_OUTCOMES),
            "next_step": self.rng.choice(data.ACTIVITY_NEXT_STEPS),
            "next_step_due": timezone.localdate(start) + dt.timedelta(days=self.rng.randint(5, 14)),
        }

    # -- plans ---------------------------------------------------------------------------------
    def goals(self, plan: Plan, rep: User, count: int, *, over: bool) -> None:
        for _ in range(count):
            account = self.pick_account(rep)
            top = [p for p in account.people if p.depth <= 1] or account.people
            contact = self.rng.choice(top).contact if top else None
            text = self.rng.choice(data.PLAN_GOALS).format(
                customer=account.customer.short_name or account.customer.name,
                contact=contact.name if contact else "",
            )
            goal = add_goal(plan, by=rep, text=text, customer=account.customer, contact=contact)
            if over and self.rng.random() < 0.6:
                update_goal(goal, by=rep, achieved=True)

    def comment(self, plan: Plan, rep: User) -> None:
        if self.rng.random() < 0.4:
            team = self.builder.team_of(rep)
            add_comment(plan, by=self.builder.manager(team), text=self.rng.choice(data.PLAN_COMMENTS))

    # -- everyone ------------------------------------------------------------------------------
    def build(self) -> dict[str, int]:
        reps = [
            u for u in sorted(self.builder.users.values(), key=lambda u: u.username) if u.role == Role.REP
        ]
        self.capacities(reps)
        self.process_metrics()
        for index, rep in enumerate(reps):
            if rep.pk not in self.owned:
                continue
            focus = FOCUS[index % len(FOCUS)]
            self.monthly_plans(rep)
            for week in range(-WEEKS, 2):
                monday = self.this_monday + dt.timedelta(days=7 * week)
                plan = None
                if week >= -PLANNED_WEEKS:
                    plan = create_plan(
                        by=rep,
                        period=PlanPeriod.WEEK,
                        starts_on=monday,
                        notes=self.rng.choice(data.PLAN_NOTES),
                    )
                    self._count("weekly plans")
                    self.goals(plan, rep, self.rng.randint(1, 2), over=week < 0)
                    if week < 0:
                        self.comment(plan, rep)
                for _ in range(self.rng.randint(6, 9)):
                    day = monday + dt.timedelta(days=self.rng.randint(0, 4))
                    self.log(rep, focus, day, plan)
        return self.counts

    def monthly_plans(self, rep: User) -> None:
        first = self.today.replace(day=1)
        for back in range(PLANNED_MONTHS - 1, -1, -1):
            month = periods.shifted(PlanPeriod.MONTH, first, -back)
            plan = create_plan(by=rep, period=PlanPeriod.MONTH, starts_on=month)
            self._count("monthly plans")
            self.goals(plan, rep, self.rng.randint(2, 3), over=back > 0)
            if back > 0:
                self.comment(plan, rep)

    def process_metrics(self) -> None:
        """The 1×5 quantified actions, unless an administrator has set some up already (they are
        company settings, not demo records: a rebuilt demo finds its own and leaves them)."""
        if ProcessMetric.objects.exists():
            return
        director = self.builder.users["demo_director"]
        for order, (name, name_en, codes, tier, role, cycle, minimum) in enumerate(data.PROCESS_METRICS):
            create_metric(
                by=director,
                name=name,
                name_en=name_en,
                kinds=[self.kinds[code] for code in codes if code in self.kinds],
                tier=tier,
                decision_role=role,
                cycle=cycle,
                minimum=minimum,
                order=order,
            )

    def capacities(self, reps: list[User]) -> None:
        """Selling hours a month: reps between 70 and 100, managers 40 (they sell less)."""
        director = self.builder.users["demo_director"]
        for rep in reps:
            hours = Decimal(self.rng.choice([70, 80, 80, 90, 100]))
            set_selling_capacity(rep, by=director, hours_per_month=hours)
        for manager in (u for u in self.builder.users.values() if u.role == Role.MANAGER):
            set_selling_capacity(manager, by=director, hours_per_month=Decimal(40))


def build_activities(builder: DemoBuilder, seed: int) -> dict[str, int]:
    return ActivityBuilder(builder, seed).build()
