"""Contracts and plans for the payments tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from kam.delivery.models import Contract, ContractStatus, Instalment
from kam.delivery.payments import services

_numbers = itertools.count(1)


def make_contract(customer: Any, owner: Any, amount: str = "1000", **extra: Any) -> Contract:
    values: dict[str, Any] = {
        "number": f"T-PAY-{next(_numbers):06d}",
        "customer": customer,
        "title": "Supply",
        "owner": owner,
        "amount": Decimal(amount),
        "sign_date": dt.date(2026, 1, 10),
        "status": ContractStatus.IN_FORCE,
        "created_by": owner,
    }
    values.update(extra)
    return Contract.objects.create(**values)


def add(contract: Contract, by: Any, amount: str, due: dt.date, name: str = "") -> Instalment:
    return services.add_instalment(
        contract, by=by, name=name or f"due {due.isoformat()}", due_date=due, amount=Decimal(amount)
    )
