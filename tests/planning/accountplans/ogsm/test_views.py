from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.planning.accountplans.models import GoalMetric, PlanGoal, PlanObjective, PlanStatus
from kam.planning.accountplans.ogsm import services
from tests.planning.accountplans.ogsm.helpers import make_cascade, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return make_plan(world.east_customer, world.east_rep)


@pytest.fixture
def client_as(client, password):
    def login(user):
        client.login(username=user.username, password=password)
        return client

    return login


def page(plan):
    return reverse("planning_ogsm:cascade", kwargs={"pk": plan.pk})


def test_empty_state_invites_the_first_objective(world, plan, client_as):
    response = client_as(world.east_rep).get(page(plan))
    assert response.status_code == 200
    body = response.content.decode()
    assert "No objective yet." in body
    assert "Add the objective" in body


def test_add_each_level_through_the_page(world, plan, client_as):
    client = client_as(world.east_rep)
    add = reverse("planning_ogsm:add", kwargs={"parent_level": "plan", "pk": plan.pk})
    response = client.post(add, {f"add-plan-{plan.pk}-text": "Preferred supplier"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Objective added." in response.content.decode()
    objective = PlanObjective.objects.get(plan=plan)
    add_goal = reverse("planning_ogsm:add", kwargs={"parent_level": "objective", "pk": objective.pk})
    prefix = f"add-objective-{objective.pk}"
    response = client.post(
        add_goal,
        {f"{prefix}-text": "Revenue", f"{prefix}-metric": GoalMetric.WON_REVENUE, f"{prefix}-target": "5000"},
    )
    assert response.status_code == 302
    goal = PlanGoal.objects.get(objective=objective)
    assert goal.target == Decimal("5000")
    body = client.get(page(plan)).content.decode()
    assert "Revenue" in body and "won opportunities closed this year" in body


def test_validation_messages_come_back_on_the_form(world, plan, client_as):
    objective = services.add_objective(plan, by=world.east_rep, text="O")
    add_goal = reverse("planning_ogsm:add", kwargs={"parent_level": "objective", "pk": objective.pk})
    prefix = f"add-objective-{objective.pk}"
    response = client_as(world.east_rep).post(add_goal, {f"{prefix}-text": "", f"{prefix}-target": "-5"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Ensure this value is greater than or equal to 0." in body
    assert not PlanGoal.objects.exists()


def test_action_owner_must_see_the_customer(world, plan, client_as):
    measure = make_cascade(plan, world.east_rep)["measure"]
    url = reverse("planning_ogsm:add", kwargs={"parent_level": "measure", "pk": measure.pk})
    prefix = f"add-measure-{measure.pk}"
    response = client_as(world.director).post(
        url,
        {f"{prefix}-text": "Call", f"{prefix}-owner": world.west_rep.pk, f"{prefix}-due_date": "2026-05-01"},
    )
    assert response.status_code == 400
    assert "cannot see this customer" in response.content.decode()


def test_stale_edit_is_a_conflict(world, plan, client_as):
    goal = make_cascade(plan, world.east_rep)["goal"]
    services.update(goal, by=world.east_rep, version=goal.version, text="Newer")
    url = reverse("planning_ogsm:edit", kwargs={"level": "goal", "pk": goal.pk})
    prefix = f"edit-goal-{goal.pk}"
    response = client_as(world.east_rep).post(
        url,
        {
            f"{prefix}-text": "Older",
            f"{prefix}-metric": "manual",
            f"{prefix}-target": "1",
            f"{prefix}-version": goal.version - 1,
        },
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert PlanGoal.objects.get(pk=goal.pk).text == "Newer"


def test_off_track_and_overdue_are_said_in_words(world, plan, client_as):
    branch = make_cascade(plan, world.east_rep, due=dt.date(2026, 1, 15))
    goal = branch["goal"]
    services.update(goal, by=world.east_rep, version=goal.version, manual_actual=Decimal("1"))
    body = client_as(world.east_rep).get(page(plan)).content.decode()
    assert "Off track: behind the share of the year elapsed." in body
    assert 'class="badge overdue-badge">Overdue<' in body
    assert "1 off track" in body


def test_closed_plan_is_read_only(world, plan, client_as):
    make_cascade(plan, world.east_rep)
    plan.status = PlanStatus.CLOSED
    plan.save()
    client = client_as(world.east_rep)
    body = client.get(page(plan)).content.decode()
    assert "This plan is closed" in body
    assert "Add the objective" not in body
    add = reverse("planning_ogsm:add", kwargs={"parent_level": "plan", "pk": plan.pk})
    response = client.post(add, {f"add-plan-{plan.pk}-text": "Late"})
    assert response.status_code == 409
    assert PlanObjective.objects.filter(plan=plan).count() == 1


def test_another_team_gets_404(world, plan, client_as):
    objective = make_cascade(plan, world.east_rep)["objective"]
    client = client_as(world.west_rep)
    assert client.get(page(plan)).status_code == 404
    url = reverse("planning_ogsm:edit", kwargs={"level": "objective", "pk": objective.pk})
    assert client.post(url, {}).status_code == 404
    assert client.get(reverse("planning_ogsm:export", kwargs={"pk": plan.pk})).status_code == 404


def test_export_has_the_table_rows(world, plan, client_as):
    branch = make_cascade(plan, world.east_rep)
    services.add_action(
        branch["measure"],
        by=world.east_rep,
        text="Second call",
        owner=world.east_rep,
        due_date=dt.date(2026, 8, 1),
    )
    services.add_objective(plan, by=world.east_rep, text="Lonely objective")
    response = client_as(world.east_rep).get(reverse("planning_ogsm:export", kwargs={"pk": plan.pk}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Objective" and rows[1][10] == "Action"
    data = rows[2:]
    assert len(data) == 3
    assert [r[10] for r in data[:2]] == ["Invite the chief engineer", "Second call"]
    assert data[1][0] == "Become the preferred supplier"  # the parents repeated on every row
    assert data[2][0] == "Lonely objective" and data[2][1] in ("", None)


def test_table_view_spans_the_parents(world, plan, client_as):
    branch = make_cascade(plan, world.east_rep)
    services.add_action(
        branch["measure"],
        by=world.east_rep,
        text="Second call",
        owner=world.east_rep,
        due_date=dt.date(2026, 8, 1),
    )
    body = client_as(world.east_rep).get(page(plan)).content.decode()
    assert 'rowspan="2" class="cell-objective"' in body
    assert 'rowspan="2" class="cell-measure"' in body


def test_move_and_remove_through_the_page(world, plan, client_as):
    first = services.add_objective(plan, by=world.east_rep, text="First")
    second = services.add_objective(plan, by=world.east_rep, text="Second")
    client = client_as(world.east_rep)
    url = reverse("planning_ogsm:move", kwargs={"level": "objective", "pk": second.pk})
    assert client.post(url, {"version": second.version, "position": 1}).status_code == 302
    assert list(PlanObjective.objects.order_by("order").values_list("text", flat=True)) == ["Second", "First"]
    first.refresh_from_db()
    url = reverse("planning_ogsm:delete", kwargs={"level": "objective", "pk": first.pk})
    assert client.post(url, {"version": first.version}).status_code == 302
    assert list(PlanObjective.objects.values_list("text", flat=True)) == ["Second"]


def test_the_page_speaks_chinese(world, plan, client_as, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = client_as(world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(page(plan), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "还没有目的。" in body
    assert "添加该目的" in body


def test_the_page_reads_in_a_fixed_number_of_queries(world, plan, client_as, django_assert_max_num_queries):
    client = client_as(world.east_rep)
    make_cascade(plan, world.east_rep)
    client.get(page(plan))  # warm: session, user, the relationship policy
    with django_assert_max_num_queries(30) as one_branch:
        assert client.get(page(plan)).status_code == 200
    for _n in range(4):
        make_cascade(plan, world.east_rep)
    with django_assert_max_num_queries(len(one_branch.captured_queries)):
        assert client.get(page(plan)).status_code == 200
