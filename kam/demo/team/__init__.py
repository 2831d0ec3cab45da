"""The demo's team: the playbook and certifications, skills and the ability matrix, star ratings,
commission plans and statements, and a running contest. In this order, because a star rating reads
certifications and a commission statement reads star levels."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from kam.demo.team import commission, contests, playbook, skills, stars

if TYPE_CHECKING:
    from django.db.models import QuerySet

PARTS = (playbook, skills, stars, commission, contests)


def build_team(builder: Any, seed: int) -> None:
    for position, part in enumerate(PARTS):
        # A stream per part: one part's change leaves the others' records as they were.
        part.build(builder, random.Random(f"{seed}-team-{position}"))


def delete_team(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    for part in reversed(PARTS):
        part.delete(users, customers, deals)
