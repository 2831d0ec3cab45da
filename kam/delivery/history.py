"""The delivery app's one history: every write appends a `DeliveryChange` line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from kam.customers.models import Customer
from kam.delivery.models import Contract, DeliveryChange, ServiceRequest
from kam.org.models import User


def plain(value: Any) -> Any:
    """A value as JSON keeps it: money as text (no float rounding), dates in ISO, records by id."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        name: [plain(before.get(name)), plain(value)]
        for name, value in after.items()
        if plain(before.get(name)) != plain(value)
    }


def record(
    *,
    customer: Customer | int,
    record: str,
    record_id: int,
    action: str,
    by: User | None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    contract: Contract | int | None = None,
    service_request: ServiceRequest | int | None = None,
) -> DeliveryChange:
    """Append one history line. `changes` is {field: [old, new]}; values are made JSON-safe."""
    return DeliveryChange.objects.create(
        customer_id=customer if isinstance(customer, int) else customer.pk,
        contract_id=contract.pk if isinstance(contract, Contract) else contract,
        service_request_id=(
            service_request.pk if isinstance(service_request, ServiceRequest) else service_request
        ),
        record=record,
        record_id=record_id,
        action=action,
        summary=str(summary)[:300],
        changes={k: [plain(v) for v in pair] for k, pair in (changes or {}).items()},
        changed_by=by,
    )
