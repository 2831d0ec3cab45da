"""The demo's public pool: a handful of prospects their reps left alone. The daily pass runs on
them as on any day: those idle past the general segment's rule are back in the pool, those inside
its warning window are listed as about to return, and one pooled prospect is claimed again.

The prospects are written through the customer service; only the day each owner took them is set
back, as the history of a real workspace would have it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kam.customers.models import Customer, CustomerStatus
from kam.customers.pool.services import claim_customer, run_pass
from kam.customers.services import create_customer
from kam.demo import data
from kam.relationships.services import create_contact

if TYPE_CHECKING:
    from kam.demo.generator import DemoBuilder

# (name, short name, industry, city, days since the owner took it with no activity since, the
# one person the rep has met, their title)
IDLE_PROSPECTS = [
    ("苏州恒信精密机械有限公司", "恒信精密", "manufacturing", "江苏", 52, "周建华", "采购经理"),
    ("宁波港联物流有限公司", "港联物流", "transport", "浙江", 44, "陈丽", "信息部主任"),
    ("天津滨海新材料科技有限公司", "滨海新材", "petrochem", "天津", 38, "王磊", "设备处处长"),
    ("济南瑞康医疗器械有限公司", "瑞康医疗", "healthcare", "山东", 27, "刘洋", "副总经理"),
    ("厦门海晟通信技术有限公司", "海晟通信", "telecom", "福建", 25, "林志强", "技术总监"),
]


def build_pool(builder: DemoBuilder) -> None:
    created: list[Customer] = []
    for position, (name, short, industry, city, idle_days, person, title) in enumerate(IDLE_PROSPECTS):
        team, region = data.CITIES[city]
        reps = builder.reps(team)
        owner = reps[position % len(reps)]
        customer = create_customer(
            by=owner,
            name=name,
            owner=owner,
            short_name=short,
            industry=data.INDUSTRIES[industry],
            region=region,
            status=CustomerStatus.PROSPECT,
        )
        create_contact(
            by=owner,
            customer=customer,
            name=person,
            title=title,
            mobile=f"1380013{position:04d}",
            email=f"prospect{position + 1}@pool-demo.example.com",
        )
        taken = builder.midnight - dt.timedelta(days=idle_days)
        Customer.objects.filter(pk=customer.pk).update(kept_since=taken, created_at=taken)
        created.append(customer)
    run_pass(builder.today)
    # The first prospect back in the pool is claimed by a rep of another team.
    pooled = Customer.objects.filter(pk__in=[c.pk for c in created], in_pool=True).order_by("kept_since")
    first = pooled.first()
    if first is not None:
        claimant = builder.reps("north" if first.region.startswith("江苏") else "east")[0]
        claim_customer(first, by=claimant, confirm_duplicates=True)
