"""Plans, won deals and payments for the commission tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kam.delivery.models import Contract, ContractStatus, Payment
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.team.commission import services
from kam.team.commission.models import CommissionPlan
from kam.team.commission.services import BandSpec, LayerSpec
from tests.factories import make_opportunity

D = Decimal
_numbers = itertools.count(1)

Q3_START = dt.date(2026, 7, 1)
Q3_END = dt.date(2026, 9, 30)


def plan(
    by: User,
    people: list[User],
    *,
    bands: list[tuple[str, str]] = (("0", "2"), ("1000000", "3"), ("2000000", "5")),  # type: ignore[assignment]
    layers: list[LayerSpec] = (),  # type: ignore[assignment]
    **fields: Any,
) -> CommissionPlan:
    fields.setdefault("name", f"Plan {next(_numbers)}")
    return services.create_plan(
        by=by,
        bands=[BandSpec(D(lower), D(rate)) for lower, rate in bands],
        layers=layers,
        people=people,
        **fields,
    )


def won(owner: User, amount: str, day: dt.date = dt.date(2026, 8, 1), **fields: Any) -> Opportunity:
    """A deal marked won on `day` (directly: the close workflow is not what is tested here)."""
    deal = make_opportunity(
        owner=owner, amount=D(amount), name=fields.pop("name", f"Deal {next(_numbers)}"), **fields
    )
    closed = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Opportunity.objects.filter(pk=deal.pk).update(status=OpportunityStatus.WON, closed_at=closed)
    deal.refresh_from_db()
    return deal


def contract(deal: Opportunity | None, owner: User, customer: Any = None, **extra: Any) -> Contract:
    return Contract.objects.create(
        number=f"T-COM-{next(_numbers):06d}",
        customer=customer or deal.customer,  # type: ignore[union-attr]
        opportunity=deal,
        title="Supply",
        owner=owner,
        amount=D("10000000"),
        sign_date=dt.date(2026, 7, 1),
        status=ContractStatus.IN_FORCE,
        created_by=owner,
        **extra,
    )


def payment(contract: Contract, amount: str, day: dt.date = dt.date(2026, 8, 15)) -> Payment:
    return Payment.objects.create(
        contract=contract, received_on=day, amount=D(amount), recorded_by=contract.owner
    )
