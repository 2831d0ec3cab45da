"""The demo's SWOTs: each late-stage open deal of the demo (probability 50 % and up, the latest
first) and two key customers get a SWOT of three or four items per list and a TOWS strategy in
each cell, some items left unused; one strategy per deal becomes a planned action of its owner,
and on the first deal that action was done a day early."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q
from django.utils import timezone

from kam.activities.models import ActivityKind, ActivityStatus
from kam.activities.services import update_activity
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.swot import services
from kam.planning.swot.models import SIDES, StrategyKind, Swot, SwotItem

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kam.org.models import User

LATE_PROBABILITY = 50
DEALS = 8
KEY_CUSTOMERS = 2

ITEMS = {
    "S": [
        "同行业标杆案例，可组织参观 / A reference site in the same industry we can take them to",
        "本地服务团队，四小时到场 / Local service team on site within four hours",
        "技术方案通过设计院评审 / Our solution passed the design institute's review",
        "与分管副总关系达到CR4 / CR4 relationship with the deputy GM in charge",
        "核心部件自主研发，交期可控 / Core parts made in-house, lead times under control",
    ],
    "W": [
        "报价高于对手约8% / Our price is about 8% above the rival's",
        "本地无备件库 / No local spare-parts stock",
        "采购部门关系薄弱 / Weak ties with the purchasing department",
        "项目经理资源紧张 / Project managers stretched thin",
    ],
    "O": [
        "客户明年二期扩建已列入预算 / Phase two is in next year's budget",
        "节能改造有政府补贴 / Government subsidy for energy-saving retrofits",
        "对手上一个项目延期交付 / The rival delivered its last project late",
        "客户推行国产化替代 / The customer is moving to domestic suppliers",
    ],
    "T": [
        "对手承诺降价10% / The rival promises a 10% discount",
        "客户财务审批收紧 / The customer's financial approvals are tightening",
        "对手与总工关系密切 / The rival is close to the chief engineer",
        "招标可能延期到下季度 / The tender may slip to next quarter",
    ],
}

STRATEGIES: dict[str, list[str]] = {
    StrategyKind.SO: [
        "预算会前邀请厂长参观标杆现场 / Take the plant manager to the reference site before the budget meeting",
        "把二期需求写进本期技术方案 / Write phase two into this phase's technical solution",
    ],
    StrategyKind.WO: [
        "以二期框架价抵消本期价差 / Offset the price gap with a phase-two framework price",
        "借国产化政策补强采购关系 / Use the domestic-supplier policy to build ties with purchasing",
    ],
    StrategyKind.ST: [
        "用全生命周期成本回应对手降价 / Answer the discount with a total cost of ownership comparison",
        "请分管副总推动按期招标 / Ask the deputy GM to keep the tender on schedule",
    ],
    StrategyKind.WT: [
        "在客户厂区设寄售备件库 / Set up a consignment spare-parts stock at the customer's site",
        "提前锁定项目经理，降低延期风险 / Book the project manager now to cut the risk of delay",
    ],
}


def _fill(target: Opportunity | Customer, by: User, rng: random.Random) -> list[Any]:
    """Items in each list, then one strategy per cell from one or two items of each side."""
    items: dict[str, list[SwotItem]] = {}
    for kind, texts in ITEMS.items():
        chosen = rng.sample(texts, rng.randint(3, min(4, len(texts))))
        items[kind] = [services.add_item(target, by=by, kind=kind, text=text) for text in chosen]
    strategies = []
    for kind in StrategyKind.values:
        internal, external = SIDES[kind]
        uses = rng.sample(items[internal], rng.randint(1, 2)) + rng.sample(items[external], 1)
        strategies.append(
            services.add_strategy(target, by=by, kind=kind, text=rng.choice(STRATEGIES[kind]), items=uses)
        )
    return strategies


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    users = list(builder.users.values())
    deals = list(
        Opportunity.objects.filter(
            owner__in=users, status=OpportunityStatus.OPEN, stage__probability__gte=LATE_PROBABILITY
        )
        # Deals their customer's owner runs: the demo's activities are each on the owner's own customers.
        .filter(owner=F("customer__owner"))
        .select_related("owner", "customer")
        .order_by("-stage__order", "pk")[:DEALS]
    )
    meeting = ActivityKind.objects.get(code="meeting")
    # Actions fall due from the later of the demo's day and today to Friday next week: the weeks
    # the demo's reps have plans for, so the actions sit in their weekly plans.
    first_day = max(builder.today, timezone.localdate())
    next_friday = first_day - dt.timedelta(days=first_day.weekday()) + dt.timedelta(days=11)
    spread = max(0, (next_friday - first_day).days)
    for position, deal in enumerate(deals):
        strategies = _fill(deal, deal.owner, rng)
        strategy = rng.choice(strategies)
        due = first_day + dt.timedelta(days=0 if position == 0 else rng.randint(0, spread))
        activity = services.plan_action(
            strategy, by=deal.owner, version=strategy.version, owner=deal.owner, due=due, kind=meeting
        )
        if position == 0:
            # One action carried out already, a day before it was due, so the matrix shows both states
            # (done work never starts today or later in the demo).
            update_activity(
                activity,
                by=deal.owner,
                version=activity.version,
                status=ActivityStatus.DONE,
                start=activity.start - dt.timedelta(days=1),
                outcome="提前一天完成 / Done a day early",
            )
    key_accounts = [a.customer for a in builder.accounts if a.segment == "K"][:KEY_CUSTOMERS]
    for customer in key_accounts:
        _fill(customer, customer.owner, rng)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    Swot.objects.filter(Q(opportunity__in=deals) | Q(customer__in=customers)).delete()
