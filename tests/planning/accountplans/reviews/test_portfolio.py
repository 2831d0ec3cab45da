"""The manager's portfolio: key accounts (and important ones) without an active plan for the year,
overdue reviews, goals off track, plan status and owner; filters, sorting, visibility, the Excel
export and a number of statements that does not grow with the customers."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kam.customers.models import Customer
from kam.planning.accountplans import services as plans
from kam.planning.accountplans.models import GoalMetric, PlanStatus
from kam.planning.accountplans.ogsm import services as ogsm
from kam.planning.accountplans.reviews.portfolio import portfolio
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _off_track_goals(plan, by, count):
    """Goals whose due date has passed with nothing achieved: off track."""
    objective = ogsm.add_objective(plan, by=by, text="Preferred supplier")
    for n in range(count):
        ogsm.add_goal(
            objective,
            by=by,
            text=f"Goal {n}",
            target=Decimal("1000"),
            metric=GoalMetric.MANUAL,
            manual_actual=Decimal("0"),
            due_date=dt.date(plan.year, 1, 1),
        )
    # One on track: achieved.
    ogsm.add_goal(
        objective,
        by=by,
        text="Done",
        target=Decimal("10"),
        metric=GoalMetric.MANUAL,
        manual_actual=Decimal("10"),
    )


def _key(name, owner, segment="key", **kwargs):
    return CustomerFactory(name=name, owner=owner, segment=segment, **kwargs)


@pytest.fixture
def book(world, make_plan):
    """East: a key account with an active plan (overdue, two goals off track), one with a draft,
    one with none; an important account with an active plan; a subsidiary covered by its group's
    plan. West: a key account with none."""
    world.east_customer.segment = "key"
    world.east_customer.save()
    active = make_plan(world.east_customer, segment="key", next_due=_today() - dt.timedelta(days=4))
    _off_track_goals(active, world.east_rep, 2)
    draft = make_plan(_key("Draft Key", world.east_rep2), segment="key", status=PlanStatus.DRAFT)
    _key("No Plan Key", world.east_rep2)
    important = make_plan(
        _key("Important One", world.east_rep, "important"),
        segment="important",
        next_due=_today() + dt.timedelta(days=100),
    )
    group = make_plan(_key("Group Parent", world.east_rep), segment="key", covers_group=True)
    _key("Group Child", world.east_rep, parent=group.customer)
    _key("West Key", world.west_rep)
    _key("East General", world.east_rep, "general")
    return {"active": active, "draft": draft, "important": important, "group": group}


def test_the_portfolio_figures_per_group(world, book):
    data = portfolio(world.east_mgr)
    key, important = data.groups
    assert (key.segment, important.segment) == ("key", "important")
    names = [r.customer_name for r in key.rows]
    assert names == ["Draft Key", "East Steel", "Group Child", "Group Parent", "No Plan Key"]
    assert "West Key" not in names and "East General" not in names
    assert (key.customers, key.with_active_plan, key.without_active_plan) == (5, 3, 2)
    assert (key.in_progress, key.overdue, key.off_track_goals) == (1, 1, 2)
    rows = {r.customer_name: r for r in key.rows}
    assert rows["East Steel"].overdue and rows["East Steel"].days_overdue == 4
    assert rows["East Steel"].off_track == 2 and rows["East Steel"].plan_owner_name == str(world.east_rep)
    assert rows["No Plan Key"].no_active_plan and rows["No Plan Key"].status is None
    assert rows["Draft Key"].no_active_plan and rows["Draft Key"].status == PlanStatus.DRAFT
    assert rows["Group Child"].covered_by_group and not rows["Group Child"].no_active_plan
    assert (important.customers, important.with_active_plan, important.overdue) == (1, 1, 0)


def test_the_portfolio_filters_by_team_and_owner_and_sorts(world, book):
    by_owner = portfolio(world.director, owner=world.east_rep2.pk)
    assert [r.customer_name for r in by_owner.groups[0].rows] == ["Draft Key", "No Plan Key"]
    west = portfolio(world.director, team=world.west.pk)
    assert [r.customer_name for r in west.groups[0].rows] == ["West Key"]
    everyone = portfolio(world.director, team=world.root.pk)
    assert len(everyone.groups[0].rows) == 6
    by_off_track = portfolio(world.east_mgr, sort="off_track")
    assert by_off_track.groups[0].rows[0].customer_name == "East Steel"
    by_status = portfolio(world.east_mgr, sort="status", descending=True)
    assert [r.status for r in by_status.groups[0].rows][:3] == ["active", "active", "draft"]
    by_due = portfolio(world.east_mgr, sort="due")
    assert by_due.groups[0].rows[0].customer_name == "East Steel"


def test_a_rep_sees_only_their_own_customers(world, book):
    data = portfolio(world.east_rep2)
    assert [r.customer_name for r in data.groups[0].rows] == ["Draft Key", "No Plan Key"]
    assert data.groups[1].rows == []


def test_the_portfolio_reads_a_fixed_number_of_statements(world, book, django_assert_num_queries):
    # Figures, rows, off-track goals (the OGSM selector's own few): five in all.
    with django_assert_num_queries(5) as captured:
        portfolio(world.director)
    # More customers and plans: the same statements.
    for n in range(8):
        plan_customer = _key(f"More {n}", world.east_rep)
        if n % 2:
            plans.create_plan(customer=plan_customer, year=_today().year, by=world.east_rep)
            Customer.objects.filter(pk=plan_customer.pk).update(segment="key")
    with django_assert_num_queries(len(captured.captured_queries)):
        data = portfolio(world.director)
    assert data.groups[0].customers == 14


def test_the_portfolio_page_shows_the_groups_and_exports_a_workbook(
    client, world, book, django_assert_max_num_queries
):
    assert client.login(username=world.east_mgr.username, password=PASSWORD)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("planning_reviews:portfolio"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "East Steel" in body and "West Key" not in body
    assert f"No plan for {_today().year}" in body and "Covered by the group" in body
    assert "4 days overdue" in body and "data-print" in body
    sorted_body = client.get(reverse("planning_reviews:portfolio"), {"sort": "off_track"}).content.decode()
    assert 'aria-sort="ascending"' in sorted_body
    export = client.get(reverse("planning_reviews:portfolio"), {"format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = load_workbook(io.BytesIO(export.content))
    key_rows = list(sheets.worksheets[0].iter_rows(values_only=True))
    assert key_rows[0][0] == "Customer"
    steel = next(r for r in key_rows if r[0] == "East Steel")
    assert steel[3] == "Active" and steel[7] == 4 and steel[8] == 2
