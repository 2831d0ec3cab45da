from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.activities.models import ActivityKind, ActivityStatus
from kam.activities.services import create_activity
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.planning.accountplans.models import GoalMetric, PlanGoal
from kam.planning.accountplans.ogsm import selectors, services
from kam.planning.accountplans.ogsm.selectors import GoalStatus
from kam.relationships.models import DecisionRole, Rank, Relationship
from tests.factories import ContactFactory, CustomerFactory, make_opportunity
from tests.planning.accountplans.ogsm.helpers import make_plan

pytestmark = pytest.mark.django_db


def at(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def won(opportunity: Opportunity, on: dt.date) -> None:
    Opportunity.objects.filter(pk=opportunity.pk).update(status=OpportunityStatus.WON, closed_at=at(on))


@pytest.fixture
def setting(world):
    rep = world.east_rep
    customer = CustomerFactory(name="Key Steel", owner=rep, category_purchases=Decimal("10000"))
    plan = make_plan(customer, rep, year=2026)
    objective = services.add_objective(plan, by=rep, text="Grow")

    def goal(metric: str, target: str = "100") -> PlanGoal:
        return services.add_goal(objective, by=rep, text=metric, target=Decimal(target), metric=metric)

    class S:
        pass

    s = S()
    s.__dict__.update(rep=rep, customer=customer, plan=plan, objective=objective, goal=goal)
    return s


def test_won_revenue_counts_only_this_customers_won_deals_of_the_year(setting, world):
    s = setting
    goal = s.goal(GoalMetric.WON_REVENUE)
    won(make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("1000")), dt.date(2026, 3, 1))
    won(make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("500")), dt.date(2026, 11, 1))
    # Another year, another customer, an open and a lost deal: none counts.
    won(make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("7000")), dt.date(2025, 12, 1))
    won(
        make_opportunity(owner=s.rep, customer=world.east_customer, amount=Decimal("9000")),
        dt.date(2026, 3, 1),
    )
    make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("3000"))
    lost = make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("4000"))
    Opportunity.objects.filter(pk=lost.pk).update(
        status=OpportunityStatus.LOST, closed_at=at(dt.date(2026, 5, 1))
    )
    assert selectors.goal_actuals([goal]) == {goal.pk: Decimal("1500.00")}


def test_a_group_plan_counts_the_subsidiaries(setting):
    s = setting
    goal = s.goal(GoalMetric.WON_REVENUE)
    child = CustomerFactory(owner=s.rep, parent=s.customer)
    grandchild = CustomerFactory(owner=s.rep, parent=child)
    won(make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("100")), dt.date(2026, 3, 1))
    won(make_opportunity(owner=s.rep, customer=grandchild, amount=Decimal("50")), dt.date(2026, 3, 1))
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("100.00")
    s.plan.covers_group = True
    s.plan.save()
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("150.00")


def test_share_of_wallet_against_total_demand_or_category_purchases(setting):
    s = setting
    goal = s.goal(GoalMetric.SHARE_OF_WALLET, "30")
    won(make_opportunity(owner=s.rep, customer=s.customer, amount=Decimal("2500")), dt.date(2026, 3, 1))
    # No total demand on the plan: the customer's purchases of the category (10,000).
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("25.00")
    s.plan.total_demand = Decimal("5000")
    s.plan.save()
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("50.00")
    s.customer.category_purchases = None
    s.customer.save()
    s.plan.total_demand = None
    s.plan.save()
    assert selectors.goal_actuals([goal])[goal.pk] is None


def test_weighted_pipeline_is_the_open_deals_amount_times_probability(setting):
    s = setting
    goal = s.goal(GoalMetric.WEIGHTED_PIPELINE)
    p1 = make_opportunity(owner=s.rep, customer=s.customer, stage_code="P1", amount=Decimal("1000"))
    make_opportunity(owner=s.rep, customer=s.customer, stage_code="P1", amount=Decimal("500"))
    won(
        make_opportunity(owner=s.rep, customer=s.customer, stage_code="P1", amount=Decimal("9999")),
        dt.date(2026, 3, 1),
    )
    expected = Decimal("1500") * p1.stage.probability / 100
    assert selectors.goal_actuals([goal])[goal.pk] == expected.quantize(Decimal("0.01"))


def test_visits_count_done_visit_kinds_of_the_year(setting):
    s = setting
    goal = s.goal(GoalMetric.VISITS, "10")
    visit = ActivityKind.objects.get(code="visit")
    call = ActivityKind.objects.get(code="call")
    assert not call.counts_as_visit

    def log(kind, day, status=ActivityStatus.DONE):
        create_activity(by=s.rep, kind=kind, customer=s.customer, start=at(day), summary="x", status=status)

    log(visit, dt.date(2026, 2, 1))
    log(visit, dt.date(2026, 9, 1))
    log(call, dt.date(2026, 3, 1))
    log(visit, dt.date(2025, 6, 1))
    log(visit, dt.date(2026, 12, 20), ActivityStatus.PLANNED)
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("2.00")


def test_key_people_coverage(setting, world):
    s = setting
    goal = s.goal(GoalMetric.KEY_PEOPLE_COVERAGE)
    assert selectors.goal_actuals([goal])[goal.pk] is None  # no key people: nothing to measure
    senior = ContactFactory(customer=s.customer, rank=Rank.HIGH)
    ContactFactory(customer=s.customer, rank=Rank.LOW, influence=5)
    on_the_chain = ContactFactory(customer=s.customer, rank=Rank.LOW, influence=1)
    ContactFactory(customer=s.customer, rank=Rank.LOW, influence=1)  # not key
    deal = make_opportunity(owner=s.rep, customer=s.customer)
    OpportunityContact.objects.create(
        opportunity=deal, contact=on_the_chain, decision_role=DecisionRole.values[0]
    )
    Relationship.objects.create(user=s.rep, contact=senior, level=3)
    Relationship.objects.create(user=world.east_mgr, contact=senior, level=2)
    # 1 covered of 3 key people.
    assert selectors.goal_actuals([goal])[goal.pk] == Decimal("33.33")


def test_manual_and_satisfaction_read_the_hand_entry(setting):
    s = setting
    manual = s.goal(GoalMetric.MANUAL)
    satisfaction = s.goal(GoalMetric.SATISFACTION)
    services.update(satisfaction, by=s.rep, version=satisfaction.version, manual_actual=Decimal("4.5"))
    assert selectors.goal_actuals([manual, satisfaction]) == {
        manual.pk: None,
        satisfaction.pk: Decimal("4.50"),
    }


def test_status_against_the_share_of_the_year_elapsed(setting):
    s = setting
    goal = s.goal(GoalMetric.MANUAL, "1200")
    mid_year = dt.date(2026, 7, 2)  # 182 of 364 days: half the year
    assert selectors.goal_status(goal, None, mid_year) == GoalStatus.NO_DATA
    assert selectors.goal_status(goal, Decimal("1200"), mid_year) == GoalStatus.ACHIEVED
    assert selectors.goal_status(goal, Decimal("600"), mid_year) == GoalStatus.ON_TRACK
    assert selectors.goal_status(goal, Decimal("599"), mid_year) == GoalStatus.OFF_TRACK
    assert selectors.goal_status(goal, Decimal("0"), dt.date(2025, 12, 1)) == GoalStatus.ON_TRACK
    # A goal due by the end of March: by then the whole target is due.
    goal.due_date = dt.date(2026, 3, 31)
    assert selectors.goal_status(goal, Decimal("1199"), dt.date(2026, 4, 1)) == GoalStatus.OFF_TRACK


def test_off_track_counts_per_plan(setting, world):
    s = setting
    behind = s.goal(GoalMetric.MANUAL, "1000")
    services.update(behind, by=s.rep, version=behind.version, manual_actual=Decimal("1"))
    fine = s.goal(GoalMetric.MANUAL, "1")
    services.update(fine, by=s.rep, version=fine.version, manual_actual=Decimal("1"))
    s.goal(GoalMetric.MANUAL, "1")  # no data: not off track
    other = make_plan(world.east_customer, s.rep, year=2026)
    assert selectors.off_track_counts([s.plan.pk, other.pk], dt.date(2026, 12, 1)) == {s.plan.pk: 1}


def test_actuals_read_in_a_bounded_number_of_queries(setting, world, django_assert_max_num_queries):
    s = setting
    s.plan.covers_group = True
    s.plan.save()
    CustomerFactory(owner=s.rep, parent=s.customer)
    other_plan = make_plan(world.east_customer, s.rep, year=2025)
    other_objective = services.add_objective(other_plan, by=s.rep, text="Other")
    goals = []
    for metric in GoalMetric.values:
        goals.append(s.goal(metric))
        goals.append(
            services.add_goal(other_objective, by=s.rep, text=metric, target=Decimal(5), metric=metric)
        )
    # goals (1) + the group's tree (2 levels: the subsidiary, then none below) + won + weighted
    # + visits + coverage (the policy row read once and cached).
    with django_assert_max_num_queries(9):
        actuals = selectors.goal_actuals(goals)
    assert len(actuals) == 2 * len(GoalMetric.values)


def test_cascade_reads_in_a_fixed_number_of_queries(setting, django_assert_max_num_queries):
    s = setting
    for n in range(3):
        goal = s.goal(GoalMetric.WON_REVENUE)
        strategy = services.add_strategy(goal, by=s.rep, text=f"S{n}")
        measure = services.add_measure(strategy, by=s.rep, text=f"M{n}")
        services.add_action(measure, by=s.rep, text=f"A{n}", owner=s.rep, due_date=dt.date(2026, 5, 1))
    with django_assert_max_num_queries(8):
        cascade = selectors.cascade(s.plan, today=dt.date(2026, 12, 1))
        rows = cascade.rows()
    assert len(rows) == 3
    assert [r["action"].text for r in rows] == ["A0", "A1", "A2"]
    assert all(r["overdue"] for r in rows)
    assert rows[0]["objective_span"] == 3 and rows[1]["objective_span"] == 0
