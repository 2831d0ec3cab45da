"""The demo's win/loss reviews: the latest closed deals (won, lost and dropped alike) get a review
meeting a few days after the close, with the deal team, what decided it, what worked and failed,
what the competitor did, the lessons and a cause or two from the deal's fishbone; some reviews are
edited afterwards so their history shows it."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.fishbone import services as fishbone_services
from kam.planning.fishbone.models import Bone
from kam.planning.winloss import services
from kam.planning.winloss.models import WinLossReview, WinLossReviewChange

if TYPE_CHECKING:
    from django.db.models import QuerySet

# How many of the latest closes of each outcome are reviewed.
PER_OUTCOME: dict[str, int] = {
    OpportunityStatus.WON: 4,
    OpportunityStatus.LOST: 4,
    OpportunityStatus.DROPPED: 2,
}

DECIDED: dict[str, list[str]] = {
    OpportunityStatus.WON: [
        "决策人明确支持我方，技术评分第一 / The decision maker backed us; first on the technical score",
        "标杆客户参观打消了顾虑 / The reference-site visit removed the doubts",
    ],
    OpportunityStatus.LOST: [
        "商务分落后，价格高于对手 / Behind on the commercial score: our price was higher",
        "对手更早接触到拍板人 / The rival reached the decision maker first",
    ],
    OpportunityStatus.DROPPED: [
        "毛利达不到公司底线 / The margin would not meet the company's minimum",
        "客户预算取消 / The customer's budget was withdrawn",
    ],
}
WORKED = [
    "技术交流扎实，方案贴合需求 / Thorough technical exchanges; the solution fitted the needs",
    "项目组分工清晰 / Clear roles in the deal team",
    "服务承诺打动了用户部门 / The service commitment won over the users",
]
FAILED = [
    "高层关系建立太晚 / Top-level relationships came too late",
    "报价前未摸清预算 / We priced before knowing the budget",
    "决策链中财务线覆盖不足 / The finance side of the decision chain was thin",
]
COMPETITOR_DID = [
    "%(rival)s 大幅降价并承诺免费培训 / %(rival)s cut its price and offered free training",
    "%(rival)s 请总部高层拜访了客户 / %(rival)s brought its head office executives to the customer",
]
LESSONS = [
    "P3 前完成成本测算 / Finish the cost build-up before P3",
    "P2 即安排高层拜访 / Arrange the executive visit already in P2",
    "每周复核决策链支持度 / Review the decision chain's stances weekly",
]
FINDINGS = [
    (Bone.RELATIONSHIP, "拍板人关系不足 / Weak relationship with the decision maker"),
    (Bone.COMMERCIAL, "价格缺乏竞争力 / Price not competitive"),
    (Bone.SOLUTION, "方案匹配度高 / The solution fitted well"),
    (Bone.COMPETITOR, "对手关系更深 / The rival's relationships ran deeper"),
]
PARTNERS = ["合作伙伴 王工 / Partner engineer Wang", "客户内线 / The customer's coach", ""]


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    users = list(builder.users.values())
    for outcome, count in PER_OUTCOME.items():
        deals = list(
            Opportunity.objects.filter(owner__in=users, status=outcome)
            .select_related("owner", "lost_to")
            .prefetch_related("members__user")
            .order_by("-closed_at", "pk")[:count]
        )
        for deal in deals:
            _review(builder, rng, deal)


def _review(builder: Any, rng: random.Random, deal: Opportunity) -> None:
    people = [deal.owner, *(m.user for m in deal.members.all() if m.user.is_active and m.user != deal.owner)]
    closed_on = timezone.localdate(deal.closed_at) if deal.closed_at else builder.today
    meeting = min(closed_on + dt.timedelta(days=rng.randint(2, 10)), builder.today)
    causes = []
    for bone, text in rng.sample(FINDINGS, rng.randint(1, 2)):
        causes.append(
            fishbone_services.add_cause(deal, by=deal.owner, bone=bone, text=text, owner=deal.owner)
        )
    rival = deal.lost_to.name if deal.lost_to else ""
    review = services.write_review(
        deal,
        by=deal.owner,
        meeting_date=meeting,
        decided_by=rng.choice(DECIDED[deal.status]),
        our_people=people,
        other_participants=rng.choice(PARTNERS),
        worked=rng.choice(WORKED),
        failed=rng.choice(FAILED) if deal.status != OpportunityStatus.WON or rng.random() < 0.5 else "",
        competitor_did=rng.choice(COMPETITOR_DID) % {"rival": rival} if rival else "",
        lessons=rng.choice(LESSONS),
        causes=causes[:1],
    )
    if len(causes) > 1 or rng.random() < 0.3:
        # A second look after the meeting: the other finding linked, a lesson added.
        services.update_review(
            review,
            by=deal.owner,
            version=review.version,
            causes=causes,
            lessons=f"{review.lessons}\n{rng.choice(LESSONS)}",
        )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    WinLossReviewChange.objects.filter(opportunity__in=deals).delete()
    WinLossReview.objects.filter(opportunity__in=deals).delete()
