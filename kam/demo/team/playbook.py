"""The demo's playbook and certification: the seeded playbook of the P0–P7 process, and
examinations on the six elements by each rep's manager. The first rep of each team has been
certified for more than a year (so last year's star ratings see it); the second is half-way
(passed some elements this quarter); in a larger team the last has not sat an examination yet, and
those between were certified this year after failing an element first. The key-tier owner rule
stays off, as in a new installation: an administrator switches it on once the team is examined."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from kam.team.playbook import services
from kam.team.playbook.models import CertificationElement, CertificationRecord

NOTES = ("讲解清楚，案例充分 / Clear, with good cases", "需加强高层沟通 / Needs work with top management", "")


def _reseed() -> None:
    """A browser test may have flushed what the migration seeded."""
    if not CertificationElement.objects.exists():
        importlib.import_module("kam.team.playbook.migrations.0002_seed_playbook").seed(apps, None)


def build(builder: Any, rng: random.Random) -> None:
    _reseed()
    today: dt.date = builder.today
    elements = list(CertificationElement.objects.filter(is_active=True))
    for key, team in builder.teams.items():
        if not key or not team:
            continue
        manager = builder.manager(key)
        reps = builder.reps(key)
        for position, rep in enumerate(reps):
            if position == len(reps) - 1 and len(reps) > 2:
                continue  # never examined yet
            if position == 1:
                # Half-way: passed some elements this quarter, the rest still to come.
                for element in elements[: rng.randint(2, 4)]:
                    services.record_examination(
                        rep,
                        element,
                        by=manager,
                        passed=True,
                        on=today - dt.timedelta(days=rng.randint(5, 40)),
                    )
                continue
            long_ago = position == 0
            first_day = today - dt.timedelta(days=rng.randint(400, 500) if long_ago else rng.randint(60, 120))
            stumbled = rng.choice(elements)
            for element in elements:
                failed_first = not long_ago and element == stumbled
                services.record_examination(
                    rep,
                    element,
                    by=manager,
                    passed=not failed_first,
                    on=first_day,
                    note=NOTES[1] if failed_first else rng.choice(NOTES),
                )
                if failed_first:
                    services.record_examination(
                        rep,
                        element,
                        by=manager,
                        passed=True,
                        on=first_day + dt.timedelta(days=rng.randint(14, 30)),
                    )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    CertificationRecord.objects.filter(user__in=users).delete()
