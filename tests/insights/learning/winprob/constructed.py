"""Closed and open deals built row by row (bulk), with outcomes that depend on the decision
maker's CR level, the stance, slips and competition (plus noise), or shuffled so they do not."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from kam.opportunities.models import (
    Competitor,
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityStatus,
    Stage,
    StageChange,
)
from kam.relationships.models import Contact, DecisionRole, Relationship, Stance
from tests.factories import CustomerFactory, UserFactory

NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _stages() -> list[Stage]:
    return list(
        Stage.objects.filter(process__code="key-account", is_won=False, is_lost=False).order_by("order")
    )


def build(n_closed: int, *, seed: int = 1, shuffled: bool = False, n_open: int = 0) -> list[Opportunity]:
    """`n_closed` deals closed over the two years before NOW, each entered at three stages on its
    way; `n_open` more still open. Returns the open ones."""
    rng = random.Random(seed)
    stages = _stages()
    reps = [UserFactory() for _ in range(4)]
    customers = [CustomerFactory(owner=reps[i % 4]) for i in range(12)]
    competitor, _created = Competitor.objects.get_or_create(name="Rival Co.")
    plans = []
    for i in range(n_closed + n_open):
        level = rng.randint(1, 5)
        stance = rng.choice([Stance.SUPPORT, Stance.NEUTRAL, Stance.OPPOSE])
        slips = rng.choice([0, 0, 1, 2, 3])
        rivals = rng.random() < 0.5
        logit = (
            -0.3 + 1.1 * (level - 3) + {Stance.SUPPORT: 1.0, Stance.NEUTRAL: 0.0, Stance.OPPOSE: -1.6}[stance]
        )
        logit += -0.6 * slips - 0.7 * rivals
        won = rng.random() < 1 / (1 + math.exp(-logit))
        closed = i < n_closed
        close_day = rng.randint(20, 720)
        start_day = close_day + rng.randint(60, 200)
        plans.append((i, level, stance, slips, rivals, won, closed, close_day, start_day))
    if shuffled:
        outcomes = [p[5] for p in plans if p[6]]
        rng.shuffle(outcomes)
        plans = [(*p[:5], outcomes[p[0]] if p[6] else p[5], *p[6:]) for p in plans]

    deals = []
    for i, _level, _stance, _slips, _rivals, won, closed, close_day, _start in plans:
        customer = customers[i % len(customers)]
        status = (
            (OpportunityStatus.WON if won else OpportunityStatus.LOST) if closed else OpportunityStatus.OPEN
        )
        stage = stages[4] if closed else stages[i % 5 + 1]
        deals.append(
            Opportunity(
                project_number=f"WP{seed}-{i:05d}",
                name=f"Deal {i}",
                customer=customer,
                owner=customer.owner,
                stage=stage,
                status=status,
                amount=Decimal(rng.randint(10, 500)) * 10000,
                sign_date=(NOW - dt.timedelta(days=close_day)).date()
                if closed
                else (NOW + dt.timedelta(days=60)).date(),
                closed_at=NOW - dt.timedelta(days=close_day) if closed else None,
                stage_entered_at=NOW - dt.timedelta(days=close_day + 20),
            )
        )
    Opportunity.objects.bulk_create(deals)
    deals = list(
        Opportunity.objects.filter(project_number__startswith=f"WP{seed}-").order_by("project_number")
    )

    contacts = Contact.objects.bulk_create(
        [Contact(customer=d.customer, name=f"DM {i}") for i, d in enumerate(deals)]
    )
    Relationship.objects.bulk_create(
        [
            Relationship(user=d.owner, contact=c, level=p[1])
            for d, c, p in zip(deals, contacts, plans, strict=True)
        ]
    )
    OpportunityContact.objects.bulk_create(
        [
            OpportunityContact(
                opportunity=d, contact=c, decision_role=DecisionRole.DECISION_MAKER, stance=p[2]
            )
            for d, c, p in zip(deals, contacts, plans, strict=True)
        ]
    )
    OpportunityCompetitor.objects.bulk_create(
        [
            OpportunityCompetitor(opportunity=d, competitor=competitor)
            for d, p in zip(deals, plans, strict=True)
            if p[4]
        ]
    )
    moves, changes = [], []
    for d, p in zip(deals, plans, strict=True):
        close_day, start_day = p[7], p[8]
        days = [start_day, (start_day + close_day) // 2, close_day + 20] if p[6] else [200, 120, 40]
        for k, day in enumerate(days):
            moves.append(
                StageChange(
                    opportunity=d,
                    from_stage=stages[2 * k - 2] if k else None,
                    to_stage=stages[2 * k],
                    changed_at=NOW - dt.timedelta(days=day),
                )
            )
        sign = d.sign_date
        assert sign is not None
        for s in range(p[3]):
            old = sign - dt.timedelta(days=30 * (p[3] - s))
            changes.append(
                (
                    d,
                    old,
                    old + dt.timedelta(days=30),
                    NOW - dt.timedelta(days=(start_day if p[6] else 200) - 10 - s),
                )
            )
    StageChange.objects.bulk_create(moves)
    rows = OpportunityChange.objects.bulk_create(
        [
            OpportunityChange(
                opportunity=d,
                subject_label=d.project_number,
                field="sign_date",
                old_value=str(a),
                new_value=str(b),
            )
            for d, a, b, _at in changes
        ]
    )
    for row, (_d, _a, _b, at) in zip(rows, changes, strict=True):
        OpportunityChange.objects.filter(pk=row.pk).update(changed_at=at)
    return [d for d, p in zip(deals, plans, strict=True) if not p[6]]
