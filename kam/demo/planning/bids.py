"""The demo's bids: one on each open late-stage deal (P4 and beyond: the bid stage's 50 % and up),
in every state a manager meets (assessment only, costed, priced below the minimum with the price
approved, pending or rejected, decided to bid), and a no-bid recorded on a dropped deal."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalRequest
from kam.planning.bids import selectors, services
from kam.planning.bids.models import Bid, BidPolicy, ComplianceItem, ItemStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

# At most this many bids: enough for every state, few enough to keep the demo quick.
MAX_BIDS = 30
BID_PROBABILITY = 50  # the bid stage (P4, 投标议标) and every later one

COST_KINDS = [
    ("equipment", "主设备及备件", "Main equipment and spares"),
    ("software", "控制系统软件许可", "Control system licences"),
    ("services", "安装调试与培训", "Installation, commissioning and training"),
    ("subcontract", "土建与安装分包", "Civil works and installation subcontract"),
    ("expenses", "差旅与投标费用", "Travel and bid expenses"),
]
PARTNERS = ["华东机电工程有限公司", "中科自动化集成", "北方工程设计院"]
CHECKPOINTS = [
    (-20, "招标文件解读与答疑提问", "Tender read through, clarification questions sent"),
    (-12, "商务与技术标书初稿", "First draft of the commercial and technical bid"),
    (-6, "缴纳投标保证金", "Bid bond paid"),
    (-3, "讲标演练", "Presentation rehearsal"),
    (0, "递交标书", "Bid submitted"),
]
QUESTIONS = [
    ("与竞品相比，贵方方案的主要优势是什么？", "节能15%以上并有同行业三个成功案例，可安排现场参观。"),
    ("交货期能否缩短到90天？", "主设备可提前备货，90天交货可行，需合同签订后支付预付款。"),
    ("质保期满后的服务如何收费？", "按年度服务合同，费用为设备价的3%，含两次巡检。"),
]
FATAL_FACTORS = "招标文件要求本地化生产资质，我方不具备；按招标限价测算毛利为负。"


def _amount(opportunity: Opportunity) -> Decimal:
    if opportunity.amount:
        return opportunity.amount
    if opportunity.amount_low and opportunity.amount_high:
        return (opportunity.amount_low + opportunity.amount_high) / 2
    return Decimal("1000000")


def _colleague(builder: Any, owner: User, rng: random.Random) -> User:
    others = [u for u in builder.reps(builder.team_of(owner)) if u.pk != owner.pk]
    return rng.choice(others) if others else owner


def _approve_through(request: ApprovalRequest, *, reject: bool = False) -> None:
    """Each step decided by its first approver: approved all the way, or rejected at the first."""
    while request.is_pending and request.current_step is not None:
        approver = request.assignments.filter(step=request.current_step).order_by("approver_id").first()
        if approver is None:
            return
        if reject:
            approvals.decide(
                request, by=approver.approver, approve=False, comment="毛利过低，请与分包商重新议价后再报。"
            )
            return
        approvals.decide(request, by=approver.approver, approve=True, comment="同意，注意控制实施成本。")


def _build_one(builder: Any, rng: random.Random, opportunity: Opportunity, number: int, state: str) -> None:
    owner = opportunity.owner
    late = opportunity.stage.probability > BID_PROBABILITY
    deadline = builder.today + dt.timedelta(days=rng.randint(-40, -5) if late else rng.randint(7, 30))
    bid = services.start_bid(
        opportunity,
        by=owner,
        tender_reference=f"ZB-{deadline.year}-{number:03d}",
        tender_deadline=deadline,
        assessment=rng.choice(
            [
                "招标技术要求与立项时了解的需求基本一致；评标办法为综合评分法，技术分占60%，对我方有利。",
                "招标新增了本地服务网点要求，需与合作伙伴联合投标；价格分权重较高，需控制成本。",
                "客户决策层支持我方方案，但招标限价低于立项预算约10%，毛利承压。",
            ]
        ),
    )
    price = _amount(opportunity)
    if state == "assessed":
        return
    # The margin the bid aims at: a few below the company's minimum, most above it.
    minimum = BidPolicy.current().minimum_margin
    below = state in ("approved", "pending", "rejected")
    margin = minimum - rng.randint(3, 8) if below else minimum + rng.randint(0, 15)
    cost = (price * (100 - margin) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    kinds = rng.sample(COST_KINDS, rng.randint(3, 5))
    weights = [rng.randint(1, 6) for _ in kinds]
    shares = [(cost * w / sum(weights)).quantize(Decimal("0.01")) for w in weights]
    shares[0] += cost - sum(shares)  # the rounding left over goes on the largest-listed line
    for (kind, text, _text_en), share in zip(kinds, shares, strict=True):
        services.add_item(
            bid, "cost-lines", by=owner, version=None, kind=kind, description=text, amount=share
        )
    colleague = _colleague(builder, owner, rng)
    services.update_bid(
        bid,
        by=owner,
        version=None,
        price=price,
        proposal_owner=colleague,
        partners="\n".join(rng.sample(PARTNERS, rng.randint(0, 2))),
        presenters=[owner, colleague] if colleague != owner else [owner],
    )
    services.set_role(bid, "customer_relations", by=owner, version=None, user=owner)
    services.set_role(bid, "technical_solution", by=owner, version=None, user=colleague)
    services.set_role(
        bid, "project_manager", by=owner, version=None, partner_name=rng.choice(["王工", "刘经理", "陈工"])
    )
    for days, text, _text_en in CHECKPOINTS:
        due = deadline + dt.timedelta(days=days)
        services.add_item(
            bid, "checkpoints", by=owner, version=None, due=due, what=text, done=due <= builder.today
        )
    items = list(ComplianceItem.objects.filter(bid=bid))
    done_share = 1.0 if late else rng.uniform(0.3, 0.8)
    for item in items:
        status = (
            ItemStatus.DONE
            if rng.random() < done_share
            else rng.choice([ItemStatus.TODO, ItemStatus.IN_PROGRESS])
        )
        services.update_item(
            bid,
            "compliance-items",
            item,
            by=owner,
            version=None,
            status=status,
            owner=rng.choice([owner, colleague]),
        )
    for question, answer in rng.sample(QUESTIONS, rng.randint(1, 3)):
        services.add_item(
            bid, "questions", by=owner, version=None, question=question, answer=answer, answered_by=colleague
        )
    for criterion in bid.criteria.all():
        services.update_item(
            bid,
            "criteria",
            criterion,
            by=owner,
            version=None,
            answer=rng.choice(["yes", "yes", "partly", "no"]),
        )
    if state in ("approved", "pending", "rejected"):
        request = services.submit_price(bid, by=owner, version=None)
        if state != "pending":
            _approve_through(request, reject=state == "rejected")
        bid.refresh_from_db()
    if state in ("approved", "decided") and (
        not selectors.margin_check(bid).below_minimum or selectors.price_approved(bid)
    ):
        services.decide_bid(bid, by=owner, version=None)


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    demo_people = list(builder.users.values())
    late = list(
        Opportunity.objects.filter(
            owner__in=demo_people,
            status=OpportunityStatus.OPEN,
            stage__probability__gte=BID_PROBABILITY,
            stage__is_won=False,
        )
        .select_related("owner", "stage")
        .order_by("id")[:MAX_BIDS]
    )
    # The states in turn, so each appears however few late deals there are.
    states = ["decided", "approved", "pending", "rejected", "costed", "assessed", "decided", "costed"]
    for number, opportunity in enumerate(late, start=1):
        _build_one(builder, rng, opportunity, number, states[(number - 1) % len(states)])
    dropped = (
        Opportunity.objects.filter(owner__in=demo_people, status=OpportunityStatus.DROPPED)
        .select_related("owner", "stage")
        .order_by("-furthest_stage_order", "id")
        .first()
    )
    if dropped is not None:
        bid = services.start_bid(
            dropped,
            by=dropped.owner,
            tender_reference=f"ZB-{builder.today.year}-{len(late) + 1:03d}",
            assessment="对照招标文件重新评估：资质要求与限价均不利，建议不投标。",
        )
        services.decide_no_bid(bid, by=dropped.owner, version=None, fatal_factors=FATAL_FACTORS)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    bids = Bid.objects.filter(opportunity__in=deals)
    ApprovalRequest.objects.filter(
        target_type=ContentType.objects.get_for_model(Bid), target_id__in=bids.values("pk")
    ).delete()
    services.delete_bids(bids)
