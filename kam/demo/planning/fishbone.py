"""The demo's fishbones: the open late-stage deals (50 % and up, the latest first) get five to nine
causes across the bones, each with an owner from the deal's side, an action and a due date; some
are already in progress or done, moved there through the service so the history shows it."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.fishbone import services
from kam.planning.fishbone.models import Bone, CauseStatus, FishboneCause, FishboneChange

if TYPE_CHECKING:
    from django.db.models import QuerySet

LATE_PROBABILITY = 50
DEALS = 8

CAUSES: dict[str, list[tuple[str, str]]] = {
    Bone.RELATIONSHIP: [
        ("财务总监尚未见面 / Not met the CFO yet", "安排高层拜访 / Arrange an executive visit"),
        (
            "技术部长态度中立 / The technical director is neutral",
            "邀请参观标杆客户 / Invite to a reference site",
        ),
        (
            "采购经理倾向对手 / The purchasing manager leans to the rival",
            "请支持者引荐 / Ask our supporter for an introduction",
        ),
    ],
    Bone.COMPETITOR: [
        (
            "对手承诺降价10% / The rival promises 10% off",
            "准备总拥有成本对比 / Prepare a total-cost comparison",
        ),
        (
            "对手与总工关系密切 / The rival is close to the chief engineer",
            "加强与总工的技术交流 / More technical exchanges with the chief engineer",
        ),
    ],
    Bone.SOLUTION: [
        ("方案未覆盖二期扩建 / The proposal leaves out phase two", "补充二期方案 / Add a phase-two option"),
        (
            "性能指标需第三方验证 / Performance needs third-party proof",
            "提供检测报告 / Provide the test report",
        ),
    ],
    Bone.COMMERCIAL: [
        (
            "付款条件要求过严 / Payment terms too strict",
            "与财务商议分期方案 / Work out instalments with finance",
        ),
        ("报价高于预算 / Price above the budget", "拆分可选项 / Split out the options"),
    ],
    Bone.SERVICE: [
        ("本地无备件库 / No local spare parts", "承诺48小时备件到场 / Commit to parts on site in 48 hours"),
        (
            "客户担心响应速度 / The customer worries about response times",
            "签订服务级别协议 / Offer a service-level agreement",
        ),
    ],
    Bone.RESOURCES: [
        (
            "项目经理资源紧张 / Project managers stretched thin",
            "申请调配项目经理 / Ask for a project manager",
        ),
        ("售前工程师排期冲突 / Pre-sales engineer double-booked", "调整演示时间 / Move the demo date"),
    ],
}


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    users = list(builder.users.values())
    deals = list(
        Opportunity.objects.filter(
            owner__in=users, status=OpportunityStatus.OPEN, stage__probability__gte=LATE_PROBABILITY
        )
        .select_related("owner")
        .prefetch_related("members__user")
        .order_by("-stage__order", "pk")[:DEALS]
    )
    pool = [(bone, text, action) for bone, items in CAUSES.items() for text, action in items]
    for deal in deals:
        people = [deal.owner, *(m.user for m in deal.members.all() if m.user.is_active)]
        for bone, text, action in rng.sample(pool, rng.randint(5, 9)):
            cause = services.add_cause(
                deal,
                by=deal.owner,
                bone=bone,
                text=text,
                owner=rng.choice(people),
                action=action,
                due_date=builder.today + dt.timedelta(days=rng.randint(-10, 30)),
            )
            roll = rng.random()
            if roll < 0.5:
                continue
            services.update_cause(cause, by=deal.owner, version=cause.version, status=CauseStatus.IN_PROGRESS)
            if roll > 0.75:
                services.update_cause(cause, by=deal.owner, version=cause.version, status=CauseStatus.DONE)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    FishboneChange.objects.filter(opportunity__in=deals).delete()
    FishboneCause.objects.filter(opportunity__in=deals).delete()
