"""The demo's account plans (DOMAIN.md §9): each key account of the demo gets this year's plan,
written, submitted and approved (so it is active), with its team, shares by product line, the
five-year forecast and an OGSM of one objective, two or three goals read from different sources,
strategies, measures and monthly actions; then two or three reviews held over the past months.
One key account also has next year's plan in draft, and management's timetable is set for this
year's round and next year's."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kam.customers.models import Customer, Segment
from kam.planning.accountplans import services as plans
from kam.planning.accountplans.models import (
    AccountPlan,
    ActionStatus,
    GoalMetric,
    MemberRole,
    PlanningCycle,
    PlanStatus,
    ReviewKind,
)
from kam.planning.accountplans.ogsm import services as ogsm
from kam.planning.accountplans.reviews import services as reviews
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStatus, StepMode

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kam.org.models import User

YUAN = Decimal("10000")  # amounts are written in 万元 and stored in yuan
# Review history: days before the demo's day each past review was held (oldest first). Key accounts
# are reviewed quarterly: after 60 days the next review is a month off, after 110 it is overdue,
# after 82 it falls due within the reminder window.
REVIEW_AGES = ([250, 160, 60], [200, 110], [330, 240, 82])

SUMMARIES = [
    "巩固首选供应商地位，三年内份额翻番 / Hold our place as preferred supplier and double our share in three years",
    "从单一设备走向整线方案 / Move from single machines to whole-line solutions",
    "以服务合同稳定收入，扩大二期份额 / Steady revenue through service contracts, a larger share of phase two",
]
CHOICES = [
    "聚焦节能改造与国产化替代两条主线 / Two lines: energy-saving retrofits and domestic substitution",
    "以全生命周期成本对抗低价竞争 / Answer low prices with total cost of ownership",
]
RISKS = [
    "对手以低价切入二期 / A rival undercutting us on phase two",
    "客户资本开支可能收紧 / The customer's capital spending may tighten",
]
OBJECTIVES = [
    "成为客户冶炼与轧制环节的首选供应商 / Become the customer's preferred supplier for smelting and rolling",
    "把客户发展为区域标杆案例 / Make the customer our reference site in the region",
]
STRATEGIES = [
    "以技术交流会带动设计院认可 / Win the design institute over through technical exchanges",
    "建立高层互访机制 / Regular visits between the two leaderships",
    "推出备件寄售与驻厂服务 / Consignment spare parts and on-site service",
]
MEASURES = [
    ("每季度一次技术交流 / One technical exchange a quarter", "4 / 年 · 4 a year"),
    ("关键人覆盖率达到80% / 80% of key people covered", "80%"),
    ("服务合同续签 / Service contract renewed", "100%"),
]
ACTIONS = [
    "邀请总工参观标杆现场 / Take the chief engineer to the reference site",
    "提交二期初步方案 / Hand in the outline of phase two",
    "组织高层拜访 / Arrange the executives' visit",
    "完成年度服务回访 / Hold the yearly service review",
    "更新决策链与关系评估 / Update the decision chain and relationship ratings",
]
CONCLUSIONS = [
    "收入进度符合预期，二期立项推进中 / Revenue on plan; phase two moving towards initiation",
    "关键人覆盖不足，需补充采购部门关系 / Key-people coverage short: build ties in purchasing",
    "对手降价压力加大，维持价值销售策略 / More price pressure from the rival; we keep to value selling",
    "服务满意度提升，续签意向明确 / Service satisfaction up, renewal intended",
]
CHANGES = [
    "新增一次高层拜访 / One more executives' visit added",
    "二期报价策略调整为分阶段报价 / Phase two priced in stages",
    "",
]
LINES = [
    ("冶炼设备 / Smelting", "华东 / East"),
    ("轧制设备 / Rolling", "华东 / East"),
    ("服务 / Service", ""),
]


def _key_accounts(builder: Any) -> list[Customer]:
    """The demo's key accounts: its customers in the key segment, else those it built as key."""
    ids = [a.customer.pk for a in builder.accounts]
    found = list(
        Customer.objects.filter(pk__in=ids, segment=Segment.KEY, in_pool=False)
        .select_related("owner")
        .order_by("name")
    )
    if not found:
        found = [a.customer for a in builder.accounts if a.segment == "K"]
    return found


def _approve(plan: AccountPlan) -> None:
    """The flow's approvers decide, step by step (one for 或签, each for 会签)."""
    request = plan.approval
    assert request is not None
    while request.status == ApprovalStatus.PENDING:
        step = request.current_step
        people = [
            a.approver
            for a in ApprovalAssignment.objects.filter(request=request, step=step).select_related("approver")
        ]
        for person in people if step is not None and step.mode == StepMode.ALL else people[:1]:
            approvals.decide(request, by=person, approve=True, comment="同意 / Agreed")
        request = ApprovalRequest.objects.get(pk=request.pk)


def _write(customer: Customer, year: int, rng: random.Random, by: User) -> AccountPlan:
    revenue = Decimal(rng.randrange(300, 1500, 50)) * YUAN
    return plans.create_plan(
        customer=customer,
        year=year,
        by=by,
        executive_summary=rng.choice(SUMMARIES),
        strategic_choices=rng.choice(CHOICES),
        business_risks=rng.choice(RISKS),
        customer_objectives="收入、贡献与服务成本目标见下 / Revenue, contribution and cost to serve below",
        revenue_target=revenue,
        contribution_target=(revenue * Decimal("0.3")).quantize(Decimal("1")),
        cost_to_serve=(revenue * Decimal("0.05")).quantize(Decimal("1")),
        target_share=Decimal(rng.randrange(30, 60)),
        action_plan_year="每月行动见OGSM / Monthly actions in the OGSM",
        action_plan_outline="五年内从设备供应商发展为整线合作伙伴 / From supplier to whole-line partner in five years",
        resources="客户经理、技术支持、服务工程师各一名 / An account manager, a solution engineer, a service engineer",
        budget=Decimal(rng.randrange(10, 40)) * YUAN,
    )


def _team_and_numbers(plan: AccountPlan, rng: random.Random) -> None:
    owner = plan.owner
    # The owner's manager sponsors the plan.
    sponsor = owner.team.manager if owner.team and owner.team.manager_id != owner.pk else None
    if sponsor is not None:
        plans.add_member(
            plan, by=owner, version=None, user=sponsor, role=MemberRole.SPONSOR, time_share=Decimal("10")
        )
    for line, region in rng.sample(LINES, 2):
        demand = Decimal(rng.randrange(800, 4000, 100)) * YUAN
        plans.add_share(
            plan,
            by=owner,
            version=None,
            product_line=line,
            region=region,
            customer_demand=demand,
            our_revenue=(demand * Decimal(rng.randrange(15, 45)) / 100).quantize(Decimal("1")),
            target_share=Decimal(rng.randrange(35, 65)),
        )
    base = plan.revenue_target or YUAN * 500
    rows = {}
    for offset in range(5):
        revenue = (base * Decimal(1 + 0.12 * offset)).quantize(Decimal("1"))
        rows[plan.year + offset] = {
            "revenue": revenue,
            "contribution": (revenue * Decimal("0.3")).quantize(Decimal("1")),
            "cost_to_serve": (revenue * Decimal("0.05")).quantize(Decimal("1")),
            "share": Decimal(30 + 5 * offset),
        }
    plans.update_forecast(plan, by=owner, version=None, rows=rows)


def _ogsm(plan: AccountPlan, rng: random.Random, today: dt.date) -> None:
    owner = plan.owner
    objective = ogsm.add_objective(plan, by=owner, text=rng.choice(OBJECTIVES))
    goals = [
        ogsm.add_goal(
            objective,
            by=owner,
            text="赢单收入 / Won revenue",
            target=plan.revenue_target or YUAN * 500,
            metric=GoalMetric.WON_REVENUE,
            due_date=dt.date(plan.year, 12, 31),
        ),
        ogsm.add_goal(
            objective,
            by=owner,
            text="拜访次数 / Visits",
            target=Decimal(rng.randrange(12, 30)),
            metric=GoalMetric.VISITS,
        ),
    ]
    if rng.random() < 0.7:
        goals.append(
            ogsm.add_goal(
                objective,
                by=owner,
                text="客户满意度 / Customer satisfaction",
                target=Decimal("90"),
                metric=GoalMetric.MANUAL,
                manual_actual=Decimal(rng.randrange(70, 95)),
                due_date=dt.date(plan.year, 6, 30),
            )
        )
    months = [today - dt.timedelta(days=45), today - dt.timedelta(days=10), today + dt.timedelta(days=20)]
    for goal, strategy_text, (measure_text, measure_target) in zip(
        goals, rng.sample(STRATEGIES, len(goals)), rng.sample(MEASURES, len(goals)), strict=False
    ):
        strategy = ogsm.add_strategy(goal, by=owner, text=strategy_text)
        measure = ogsm.add_measure(strategy, by=owner, text=measure_text, target=measure_target)
        for due in rng.sample(months, 2):
            action = ogsm.add_action(measure, by=owner, text=rng.choice(ACTIONS), owner=owner, due_date=due)
            if due < today - dt.timedelta(days=20):
                ogsm.set_action_status(action, by=owner, version=action.version, status=ActionStatus.DONE)


def _reviews(plan: AccountPlan, ages: list[int], rng: random.Random, builder: Any) -> None:
    owner = plan.owner
    sponsor = [m.user for m in plan.members.select_related("user") if m.user_id != owner.pk]
    # Each review of a plan concludes something of its own.
    for age, conclusions in zip(ages, rng.sample(CONCLUSIONS, len(ages)), strict=True):
        reviews.record_review(
            plan,
            by=owner,
            held_on=builder.today - dt.timedelta(days=age),
            conclusions=conclusions,
            changes=rng.choice(CHANGES),
            kind=ReviewKind.SCHEDULED,
            participants=sponsor,
            today=builder.today,
        )


def _cycles(builder: Any) -> None:
    director = builder.users["demo_director"]
    for year in (builder.today.year, builder.today.year + 1):
        if PlanningCycle.objects.filter(year=year).exists():
            continue
        reviews.set_cycle(
            year,
            by=director,
            expectations=("重点客户100%完成规划，收入增长15% / Every key account planned; revenue up 15%"),
            preparation_starts=dt.date(year - 1, 9, 1),
            drafting_starts=dt.date(year - 1, 9, 15),
            drafting_ends=dt.date(year - 1, 11, 30),
            review_by=dt.date(year - 1, 12, 20),
            implementation_starts=dt.date(year, 1, 1),
        )


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through the account plans' services."""
    _cycles(builder)
    year = builder.today.year
    accounts = _key_accounts(builder)
    for position, customer in enumerate(accounts):
        if AccountPlan.objects.filter(customer=customer, year=year).exists():
            continue
        plan = _write(customer, year, rng, customer.owner)
        _team_and_numbers(plan, rng)
        _ogsm(plan, rng, builder.today)
        plans.submit_plan(plan, by=customer.owner)
        plan.refresh_from_db()
        _approve(plan)
        plan.refresh_from_db()
        if plan.status == PlanStatus.ACTIVE:
            _reviews(plan, REVIEW_AGES[position % len(REVIEW_AGES)], rng, builder)
    if accounts:
        # Next year's plan, being drafted in this year's round.
        first = accounts[0]
        if not AccountPlan.objects.filter(customer=first, year=year + 1).exists():
            _write(first, year + 1, rng, first.owner)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove the plans of the demo's customers or people (their rows below go with them; the
    approvals part removes the requests its people made)."""
    AccountPlan.objects.filter(Q(customer__in=customers) | Q(owner__in=users)).delete()
    PlanningCycle.objects.filter(updated_by__in=users).delete()
