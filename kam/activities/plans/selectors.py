"""Plan reads: one's plans, a plan with its goals, activities and comments, and plan against actual
per rep and per team for a period.

Every activity a plan holds falls in one category, decided in SQL (`category_expression`):
- dropped: cancelled;
- moved: starts outside the period, or not at the start it was first planned for;
- done: done, in the period, as planned;
- dropped as well: still planned once the period is over;
- open: still planned while the period runs.
Done work in the period that belongs to no plan is "unplanned".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from kam.access.visibility import plans_for
from kam.activities.models import Activity, ActivityStatus, Plan, PlanComment, PlanGoal
from kam.activities.plans import periods
from kam.org.models import Role, Team, User
from kam.org.visibility import team_subtree_ids, visible_users

DONE = "done"
MOVED = "moved"
DROPPED = "dropped"
OPEN = "open"
UNPLANNED = "unplanned"
CATEGORIES = (DONE, MOVED, DROPPED, OPEN, UNPLANNED)


def category_expression(period: str, starts_on: dt.date, *, ended: bool) -> Case:
    start, end = periods.bounds(period, starts_on)
    return Case(
        When(plan__isnull=True, then=Value(UNPLANNED)),
        When(status=ActivityStatus.CANCELLED, then=Value(DROPPED)),
        When(Q(start__lt=start) | Q(start__gte=end), then=Value(MOVED)),
        When(Q(planned_start__isnull=False) & ~Q(planned_start=F("start")), then=Value(MOVED)),
        When(status=ActivityStatus.DONE, then=Value(DONE)),
        default=Value(DROPPED if ended else OPEN),
        output_field=CharField(),
    )


def has_ended(period: str, starts_on: dt.date, today: dt.date | None = None) -> bool:
    return (today or timezone.localdate()) >= periods.period_end(period, starts_on)


@dataclass
class Figures:
    done: int = 0
    moved: int = 0
    dropped: int = 0
    open: int = 0
    unplanned: int = 0
    goals: int = 0
    goals_achieved: int = 0

    @property
    def planned(self) -> int:
        return self.done + self.moved + self.dropped + self.open

    @property
    def done_share(self) -> int | None:
        """Per cent of the planned activities done as planned."""
        return round(self.done * 100 / self.planned) if self.planned else None

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["planned"] = self.planned
        return values


# --- One's plans and a plan ---------------------------------------------------------------------------


def plans_of(user: User, owner: User | None = None) -> QuerySet[Plan]:
    """Visible plans (of `owner` when given), newest first, with their counts (one query)."""
    qs = plans_for(user, Plan.objects.select_related("owner"))
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.annotate(
        activity_count=Count("activities", distinct=True),
        goal_count=Count("goals", distinct=True),
        achieved_count=Count("goals", filter=Q(goals__achieved=True), distinct=True),
        comment_count=Count("comments", distinct=True),
    ).order_by("-starts_on", "period", "owner__username")


def own_plan(user: User, period: str, starts_on: dt.date) -> Plan | None:
    return Plan.objects.filter(owner=user, period=period, starts_on=starts_on).first()


@dataclass
class PlanView:
    plan: Plan
    ended: bool
    goals: list[PlanGoal]
    activities: list[Any]  # Activity rows annotated with `category`
    unplanned: list[Any]
    comments: list[PlanComment]
    figures: Figures


def plan_view(plan: Plan, *, today: dt.date | None = None) -> PlanView:
    """A plan's goals, its activities by category, the owner's unplanned done work in the period and
    the comments: three queries (the plan is already loaded)."""
    ended = has_ended(plan.period, plan.starts_on, today)
    category = category_expression(plan.period, plan.starts_on, ended=ended)
    start, end = periods.bounds(plan.period, plan.starts_on)
    goals = list(plan.goals.select_related("customer", "contact"))
    activities = list(
        Activity.objects.filter(
            Q(plan=plan)
            | Q(
                plan__isnull=True,
                owner_id=plan.owner_id,
                status=ActivityStatus.DONE,
                start__gte=start,
                start__lt=end,
            )
        )
        .select_related("kind", "customer")
        .annotate(category=category)
        .order_by("start", "id")
    )
    comments = list(plan.comments.select_related("author"))
    figures = Figures(goals=len(goals), goals_achieved=sum(1 for g in goals if g.achieved))
    for activity in activities:
        name = activity.category  # type: ignore[attr-defined]
        setattr(figures, name, getattr(figures, name) + 1)
    return PlanView(
        plan=plan,
        ended=ended,
        goals=goals,
        activities=[a for a in activities if a.plan_id is not None],
        unplanned=[a for a in activities if a.plan_id is None],
        comments=comments,
        figures=figures,
    )


# --- Plan against actual per rep and per team ---------------------------------------------------------


@dataclass
class RepActual:
    person: User
    plan_id: int | None
    figures: Figures


@dataclass
class TeamActual:
    team_id: int | None
    team_name: str
    people: int
    plans: int
    figures: Figures


@dataclass
class PlanVsActual:
    period: str
    starts_on: dt.date
    ends_on: dt.date  # the period's last day
    ended: bool
    reps: list[RepActual]
    teams: list[TeamActual]
    total: Figures = field(default_factory=Figures)


def plan_vs_actual(
    user: User,
    *,
    period: str,
    starts_on: dt.date,
    team: Team | int | None = None,
    today: dt.date | None = None,
) -> PlanVsActual:
    """Per person whose work the user sees (within `team`'s subtree when given): the plan of the
    period, its activities by category, the unplanned done work and the goals achieved; and the
    same summed per team and in total. Three queries: people, plans with goal counts, and one
    aggregate over the activities."""
    starts_on = periods.period_start(period, starts_on)
    ended = has_ended(period, starts_on, today)
    start, end = periods.bounds(period, starts_on)
    people_qs = visible_users(user).filter(is_active=True)
    if team is not None:
        team_id = team.pk if isinstance(team, Team) else team
        people_qs = people_qs.filter(team_id__in=team_subtree_ids([team_id]))
    persons = list(people_qs.select_related("team").order_by("team__name", "name", "username"))
    ids = [p.pk for p in persons]
    plans = list(
        plans_for(user, Plan.objects.filter(period=period, starts_on=starts_on, owner_id__in=ids))
        .annotate(
            goal_count=Count("goals"),
            achieved_count=Count("goals", filter=Q(goals__achieved=True)),
        )
        .values("id", "owner_id", "goal_count", "achieved_count")
    )
    plan_ids = [p["id"] for p in plans]
    counted = (
        Activity.objects.filter(
            Q(plan_id__in=plan_ids)
            | Q(
                plan__isnull=True,
                owner_id__in=ids,
                status=ActivityStatus.DONE,
                start__gte=start,
                start__lt=end,
            )
        )
        .annotate(
            who=Case(When(plan__isnull=False, then=F("plan__owner_id")), default=F("owner_id")),
            category=category_expression(period, starts_on, ended=ended),
        )
        .order_by()
        .values("who", "category")
        .annotate(n=Count("id"))
    )
    figures: dict[int, Figures] = {pk: Figures() for pk in ids}
    for row in counted:
        found = figures[row["who"]]
        setattr(found, row["category"], getattr(found, row["category"]) + row["n"])
    plan_of: dict[int, int] = {}
    for p in plans:
        plan_of[p["owner_id"]] = p["id"]
        figures[p["owner_id"]].goals += p["goal_count"]
        figures[p["owner_id"]].goals_achieved += p["achieved_count"]

    reps: list[RepActual] = []
    teams: dict[int | None, TeamActual] = {}
    total = Figures()
    for person in persons:
        own = figures[person.pk]
        has_work = person.pk in plan_of or own.planned or own.unplanned
        # Directors and administrators plan no selling week: listed only when they did.
        if person.role not in (Role.REP, Role.MANAGER) and not has_work:
            continue
        reps.append(RepActual(person=person, plan_id=plan_of.get(person.pk), figures=own))
        team_row = teams.setdefault(
            person.team_id,
            TeamActual(person.team_id, person.team.name if person.team else "", 0, 0, Figures()),
        )
        team_row.people += 1
        team_row.plans += 1 if person.pk in plan_of else 0
        team_row.figures.add(own)
        total.add(own)
    return PlanVsActual(
        period=period,
        starts_on=starts_on,
        ends_on=periods.last_day(period, starts_on),
        ended=ended,
        reps=reps,
        teams=sorted(teams.values(), key=lambda t: (t.team_id is None, t.team_name)),
        total=total,
    )
