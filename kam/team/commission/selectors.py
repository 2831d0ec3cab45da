"""Reads of commission: plans with their parts, statement lists scoped to the reader, a statement's
lines, the difference between a revision and the one it revises, a deal's split."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from kam.access.team import statements_for
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.team.commission.models import HUNDRED, CommissionPlan, DealSplit, Statement, StatementLine


def visible_people(user: User) -> QuerySet[User]:
    """The active people whose statements the user sees (themself, the managed subtree, everyone)."""
    return visible_users(user).filter(is_active=True).order_by("username")


def plans() -> QuerySet[CommissionPlan]:
    return CommissionPlan.objects.prefetch_related("layers", "bands", "people").order_by("name")


def statements(
    user: User, *, person: int | None = None, period_start: dt.date | None = None, status: str = ""
) -> QuerySet[Statement]:
    qs = statements_for(user, Statement.objects.select_related("person", "plan"))
    if person:
        qs = qs.filter(person_id=person)
    if period_start:
        qs = qs.filter(period_start=period_start)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period_start", "person__username", "-revision")


def lines(statement: Statement) -> list[StatementLine]:
    return list(statement.lines.order_by("order"))


@dataclass
class Difference:
    key: str
    label: str
    band: str
    before: Decimal | None
    after: Decimal | None
    before_portion: Decimal | None
    after_portion: Decimal | None
    opportunity_id: int | None

    @property
    def delta(self) -> Decimal:
        return (self.after or Decimal("0")) - (self.before or Decimal("0"))

    @property
    def change(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def differences(statement: Statement) -> list[Difference]:
    """The lines that differ from the revision before (added, removed or changed), in the new
    revision's order, the removed ones last. Empty for a first revision."""
    if statement.previous_id is None:
        return []
    before = {line.key: line for line in StatementLine.objects.filter(statement_id=statement.previous_id)}
    out: list[Difference] = []
    seen: set[str] = set()
    for line in statement.lines.order_by("order"):
        seen.add(line.key)
        old = before.get(line.key)
        if old is not None and (old.amount, old.portion, old.rate) == (line.amount, line.portion, line.rate):
            continue
        out.append(
            Difference(
                line.key,
                line.label,
                line.band,
                old.amount if old else None,
                line.amount,
                old.portion if old else None,
                line.portion,
                line.opportunity_id,
            )
        )
    for key, old in before.items():
        if key not in seen:
            out.append(
                Difference(key, old.label, old.band, old.amount, None, old.portion, None, old.opportunity_id)
            )
    return out


def revisions(statement: Statement) -> list[Statement]:
    """Every revision of the statement's person and period, newest first."""
    return list(
        Statement.objects.filter(
            person_id=statement.person_id,
            period_start=statement.period_start,
            period_end=statement.period_end,
        ).order_by("-revision")
    )


@dataclass
class ShareRow:
    user: User
    share: Decimal


def split_of(opportunity: Opportunity) -> tuple[DealSplit | None, list[ShareRow]]:
    """The deal's split, or the default (100 % to the owner) when none is set."""
    split = DealSplit.objects.filter(opportunity=opportunity).prefetch_related("shares__user").first()
    if split is None:
        return None, [ShareRow(opportunity.owner, HUNDRED)]
    return split, [ShareRow(s.user, s.share) for s in split.shares.all()]
