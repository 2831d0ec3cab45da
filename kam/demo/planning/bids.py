"""The demo's bids records."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet


def build(builder: Any, rng: random.Random) -> None:
    """Write this part's demo records through its services (builder: kam.demo.generator.DemoBuilder)."""


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove this part's demo records that would otherwise hold on to the demo's people or deals."""
