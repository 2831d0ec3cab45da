"""The demo's commission: a key-account plan (layers by tier and new customer, progressive bands, a
cap, the star multiplier) for every rep, a service plan on service revenue, splits on won deals
worked by two people, and last quarter's statements: approved, submitted and draft, one approved
statement recomputed as a second revision."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from kam.core.errors import RuleViolation
from kam.core.periods import quarter_bounds
from kam.opportunities import rollups
from kam.opportunities.models import MemberRole, Opportunity, OpportunityStatus
from kam.team.commission import services
from kam.team.commission.models import CommissionPlan, DealSplit, Statement
from kam.team.commission.services import BandSpec, LayerSpec

D = Decimal


def _last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return quarter_bounds(year, quarter)


def build(builder: Any, rng: random.Random) -> None:
    admin = builder.users["demo_admin"]
    reps = sorted(
        (u for name, u in builder.users.items() if name.startswith("demo_rep_")), key=lambda u: u.username
    )
    services.create_plan(
        by=admin,
        name="大客户销售提成 2026",
        name_en="Key-account sales commission 2026",
        role_family="sales",
        base="won",
        band_kind="amount",
        cap=D("300000"),
        use_star_multiplier=True,
        notes="分层 + 阶梯：新开发的 A/B 级客户按 1.3 倍费率 / Layered and tiered: new A/B customers at 1.3× the rate",
        layers=[
            LayerSpec("新开发重点客户", "New key accounts", tiers="AB", customer_kind="new", factor=D("1.3")),
            LayerSpec("重点客户", "Key accounts", tiers="AB", factor=D("1.1")),
            LayerSpec("其他客户", "Other customers", factor=D("1")),
        ],
        bands=[BandSpec(D("0"), D("1.5")), BandSpec(D("1000000"), D("2.5")), BandSpec(D("3000000"), D("4"))],
        people=reps,
    )
    services.create_plan(
        by=admin,
        name="客服服务收入提成",
        name_en="Service revenue commission",
        role_family="service",
        base="service",
        band_kind="amount",
        floor=D("0"),
        use_star_multiplier=False,
        bands=[BandSpec(D("0"), D("1")), BandSpec(D("500000"), D("1.5"))],
    )
    start, end = _last_quarter(builder.today)
    won = list(
        Opportunity.objects.filter(
            status=OpportunityStatus.WON,
            owner__in=reps,
            members__role__in=[MemberRole.LEADER, MemberRole.MEMBER],
        )
        .distinct()
        .order_by("pk")[:6]
    )
    for deal in won:
        partners = list(
            deal.members.filter(role__in=[MemberRole.LEADER, MemberRole.MEMBER])
            .exclude(user_id=deal.owner_id)
            .select_related("user")
        )
        if not partners:
            continue
        share = D(rng.choice(["20", "30", "40"]))
        services.set_split(
            deal,
            by=deal.owner,
            version=0,
            shares=[(deal.owner, D("100") - share), (partners[0].user, share)],
        )
    statements = []
    for rep in reps:
        try:
            statement = services.create_statement(
                rep, by=builder.manager(builder.team_of(rep)), period_start=start, period_end=end
            )
        except RuleViolation:
            continue
        statements.append(statement)
    for index, statement in enumerate(statements):
        manager = builder.manager(builder.team_of(statement.person))
        if index % 3 == 2:
            continue  # left as a draft
        services.submit(statement, by=statement.person, version=statement.version)
        if index % 3 == 1:
            continue  # waiting for the manager
        services.approve(statement, by=manager, version=statement.version)
    approved = [s for s in statements if s.status == "approved"]
    if approved:
        # A deal found larger after approval: the approved statement stays, a revision shows the difference.
        first = approved[0]
        line = first.lines.filter(opportunity__isnull=False).first()
        if line is not None and line.opportunity is not None:
            deal = line.opportunity
            # Written directly (a won deal's amount is not edited through the form), its rollups kept.
            with rollups.track([deal.pk]):
                Opportunity.objects.filter(pk=deal.pk).update(amount=(deal.amount or D("0")) + D("200000"))
            services.recompute(
                first, by=builder.manager(builder.team_of(first.person)), version=first.version
            )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    statements = Statement.objects.filter(person__in=users)
    # Revisions point at the ones they revise: the newest go first.
    for revision in sorted({s.revision for s in statements}, reverse=True):
        statements.filter(revision=revision).delete()
    DealSplit.objects.filter(Q(opportunity__in=deals) | Q(updated_by__in=users)).delete()
    CommissionPlan.objects.filter(statements__isnull=True, people__in=users).delete()
    CommissionPlan.objects.filter(
        name__in=["大客户销售提成 2026", "客服服务收入提成"], statements__isnull=True
    ).delete()
