"""The demo's competitor analyses: each late-stage open deal of the demo (probability 50 % and up,
the latest first) gets its grid scored, us against every competitor on it (a deal without one meets
a rival from the directory first), with a note on some cells; on a few of them a contact of the
decision chain (an opponent where there is one) is marked as a competitor's supporter."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kam.opportunities.models import Competitor, Opportunity, OpportunityContact, OpportunityStatus
from kam.planning.competition import services
from kam.planning.competition.models import CompetitionChange, Dimension
from kam.relationships.models import Stance

if TYPE_CHECKING:
    from django.db.models import QuerySet

LATE_PROBABILITY = 50
DEALS = 10
WITH_SUPPORTERS = 4

# A note for some cells, per dimension: (ours, theirs).
NOTES: dict[str, tuple[str, str]] = {
    "market_position": ("行业前三 / Top three in the industry", "区域龙头 / Regional leader"),
    "market_share": (
        "本省份额约25% / About 25% share in the province",
        "份额逐年上升 / Share rising each year",
    ),
    "market_strategy": ("深耕重点客户 / Deep in key accounts", "低价抢单 / Wins on low prices"),
    "product_features": (
        "模块化设计，扩容方便 / Modular, easy to extend",
        "功能齐全但定制慢 / Complete but slow to customise",
    ),
    "technology": ("自主核心算法 / Our own core algorithms", "依赖外购部件 / Relies on bought-in parts"),
    "customer_relationships": (
        "与技术部关系好 / Close to the technical department",
        "与采购部关系密切 / Close to purchasing",
    ),
    "commercial_policy": ("账期可谈 / Payment terms negotiable", "承诺降价10% / Promises a 10% discount"),
    "service": ("四小时到场 / On site within four hours", "外地服务站 / Service centre out of town"),
}
SUPPORTER_NOTES = [
    "曾在对手公司任职 / Used to work for the rival",
    "对手的老客户关系 / An old contact of the rival's",
    "认可对手的价格 / Likes the rival's price",
]


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""
    users = list(builder.users.values())
    dimensions = list(Dimension.objects.filter(is_active=True))
    if not dimensions:
        return
    deals = list(
        Opportunity.objects.filter(
            owner__in=users, status=OpportunityStatus.OPEN, stage__probability__gte=LATE_PROBABILITY
        )
        .select_related("owner", "customer", "stage")
        .order_by("-stage__order", "pk")[:DEALS]
    )
    pool = sorted(builder.competitors.values(), key=lambda c: c.name) or list(
        Competitor.objects.order_by("name")
    )
    for position, deal in enumerate(deals):
        owner = deal.owner
        rivals = [
            e.competitor
            for e in deal.competitor_entries.select_related("competitor").order_by("competitor__name")
        ]
        # Drawn for every deal, so a rebuild over the same deals keeps the same stream.
        meets = rng.choice(pool) if pool else None
        if not rivals and meets is not None:
            services.add_to_deal(deal, by=owner, competitor=meets)
            rivals = [meets]
        cells = []
        for dimension in dimensions:
            ours = rng.randint(2, 5)
            our_note, their_note = NOTES.get(dimension.code, ("", ""))
            cells.append(services.CellInput(dimension.pk, None, ours, our_note if rng.random() < 0.4 else ""))
            for rival in rivals:
                theirs = max(1, min(5, ours + rng.choice([-2, -1, -1, 0, 1, 1, 2])))
                cells.append(
                    services.CellInput(
                        dimension.pk, rival.pk, theirs, their_note if rng.random() < 0.3 else ""
                    )
                )
        services.save_grid(deal, by=owner, version=services.grid_version(deal), cells=cells)
        if position < WITH_SUPPORTERS and rivals:
            chain = list(
                OpportunityContact.objects.filter(opportunity=deal)
                .select_related("contact")
                .order_by("contact__name")
            )
            opponents = [e for e in chain if e.stance == Stance.OPPOSE] or [
                e for e in chain if e.stance == Stance.NEUTRAL
            ]
            if opponents:
                entry = rng.choice(opponents)
                services.mark_supporter(
                    deal,
                    by=owner,
                    contact=entry.contact,
                    competitor=rng.choice(rivals),
                    note=rng.choice(SUPPORTER_NOTES),
                )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
    # Grids and supporter marks go with their deals; the history outlives them, so it goes here.
    CompetitionChange.objects.filter(Q(opportunity__in=deals) | Q(changed_by__in=users)).delete()
