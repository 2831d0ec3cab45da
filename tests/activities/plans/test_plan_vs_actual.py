"""Plan against actual: every category (done, moved, dropped, open, unplanned), goals achieved, per
rep and per team, visibility, and the statements it takes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.activities import services as activities
from kam.activities.models import Activity, ActivityKind, ActivityStatus, PlanPeriod
from kam.activities.plans import services as plans
from kam.activities.plans.selectors import plan_view, plan_vs_actual

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 6, 1)  # a Monday
DURING = dt.date(2026, 6, 3)
AFTER = dt.date(2026, 6, 10)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def visit(db):
    return ActivityKind.objects.get(code="visit")


@pytest.fixture
def week(world, visit):
    """east_rep's week plan with six planned visits, each ending in a different category."""
    plan = plans.create_plan(by=world.east_rep, period=PlanPeriod.WEEK, starts_on=MONDAY)

    def planned(day: dt.date, summary: str, hour: int = 10) -> Activity:
        return plans.add_planned_activity(
            plan,
            by=world.east_rep,
            kind=visit,
            customer=world.east_customer,
            start=at(day, hour),
            summary=summary,
        )

    done = planned(dt.date(2026, 6, 2), "done as planned")
    moved_out = planned(dt.date(2026, 6, 3), "moved to next week")
    moved_in = planned(dt.date(2026, 6, 4), "moved within the week")
    cancelled = planned(dt.date(2026, 6, 5), "cancelled")
    planned(dt.date(2026, 6, 5), "never done", hour=15)

    def change(activity: Activity, **changes) -> None:
        activities.update_activity(activity, by=world.east_rep, version=activity.version, **changes)

    change(done, status=ActivityStatus.DONE)
    change(moved_out, start=at(dt.date(2026, 6, 9)))
    change(moved_in, start=at(dt.date(2026, 6, 4), 16), status=ActivityStatus.DONE)
    change(cancelled, status=ActivityStatus.CANCELLED)
    # Done work with no plan, in the week and outside it.
    activities.create_activity(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        start=at(dt.date(2026, 6, 4)),
        summary="walk-in",
    )
    activities.create_activity(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        start=at(dt.date(2026, 5, 29)),
        summary="before",
    )
    plans.add_goal(plan, by=world.east_rep, text="Meet the decision maker", customer=world.east_customer)
    goal = plans.add_goal(plan, by=world.east_rep, text="Send the proposal")
    plans.update_goal(goal, by=world.east_rep, achieved=True)
    return plan


def test_each_planned_activity_falls_in_one_category_after_the_week(world, week):
    view = plan_view(week, today=AFTER)
    by_summary = {a.summary: a.category for a in view.activities}
    assert by_summary == {
        "done as planned": "done",
        "moved to next week": "moved",
        "moved within the week": "moved",
        "cancelled": "dropped",
        "never done": "dropped",
    }
    assert [a.summary for a in view.unplanned] == ["walk-in"]
    f = view.figures
    assert (f.planned, f.done, f.moved, f.dropped, f.open, f.unplanned) == (5, 1, 2, 2, 0, 1)
    assert (f.goals, f.goals_achieved) == (2, 1)


def test_a_planned_activity_is_open_not_dropped_while_the_week_runs(world, week):
    view = plan_view(week, today=DURING)
    assert {a.summary: a.category for a in view.activities}["never done"] == "open"
    assert view.figures.open == 1 and view.figures.dropped == 1


def test_per_rep_and_per_team_for_the_manager(world, week, visit):
    # east_rep2 planned nothing but did some work; west is another team.
    activities.create_activity(
        by=world.east_rep2,
        kind=visit,
        customer=world.east_opp2.customer,
        start=at(dt.date(2026, 6, 2)),
        summary="unplanned",
    )
    result = plan_vs_actual(world.east_mgr, period=PlanPeriod.WEEK, starts_on=DURING, today=AFTER)
    assert result.starts_on == MONDAY and result.ends_on == dt.date(2026, 6, 7) and result.ended
    reps = {r.person.username: r for r in result.reps}
    assert set(reps) == {"east_mgr", "east_rep", "east_rep2"}
    assert reps["east_rep"].plan_id == week.pk
    assert reps["east_rep"].figures.as_dict() == {
        "done": 1,
        "moved": 2,
        "dropped": 2,
        "open": 0,
        "unplanned": 1,
        "goals": 2,
        "goals_achieved": 1,
        "planned": 5,
    }
    assert reps["east_rep2"].plan_id is None
    assert reps["east_rep2"].figures.unplanned == 1
    [east] = result.teams
    assert (east.team_name, east.people, east.plans) == ("East", 3, 1)
    assert east.figures.unplanned == 2 and east.figures.planned == 5
    assert result.total.as_dict() == east.figures.as_dict()


def test_a_director_sees_every_team_and_can_narrow_to_one(world, week):
    result = plan_vs_actual(world.director, period=PlanPeriod.WEEK, starts_on=MONDAY, today=AFTER)
    assert [t.team_name for t in result.teams] == ["East", "West"]
    west = plan_vs_actual(
        world.director, period=PlanPeriod.WEEK, starts_on=MONDAY, team=world.west, today=AFTER
    )
    assert {r.person.username for r in west.reps} == {"west_mgr", "west_rep"}
    assert west.total.planned == 0


def test_a_rep_sees_only_themself(world, week):
    result = plan_vs_actual(world.east_rep2, period=PlanPeriod.WEEK, starts_on=MONDAY, today=AFTER)
    assert [r.person for r in result.reps] == [world.east_rep2]
    assert result.total.planned == 0


def test_the_month_holds_the_weeks_work_but_not_its_plan(world, week):
    result = plan_vs_actual(
        world.east_rep, period=PlanPeriod.MONTH, starts_on=dt.date(2026, 6, 17), today=AFTER
    )
    assert result.starts_on == dt.date(2026, 6, 1)
    [rep] = result.reps
    assert rep.plan_id is None
    # The month's done work with no plan: the walk-in only (the planned ones belong to the week's plan).
    assert rep.figures.unplanned == 1 and rep.figures.planned == 0


def test_plan_vs_actual_reads_three_statements(world, week, django_assert_num_queries):
    with django_assert_num_queries(3):
        plan_vs_actual(world.director, period=PlanPeriod.WEEK, starts_on=MONDAY, today=AFTER)


def test_the_plan_page_reads_three_statements(world, week, django_assert_num_queries):
    with django_assert_num_queries(3):
        plan_view(week, today=AFTER)
