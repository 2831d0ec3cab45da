"""The demo's skills."""

from __future__ import annotations

import random
from typing import Any

from django.db.models import QuerySet


def build(builder: Any, rng: random.Random) -> None:
    return None


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    return None
