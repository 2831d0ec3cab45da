"""Two people editing one goal from the same version at the same moment: one edit lands, the other
is a conflict, on PostgreSQL's READ COMMITTED where a read-then-write would lose an update."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.planning.accountplans.models import PlanChange, PlanGoal
from kam.planning.accountplans.ogsm import selectors, services
from tests.planning.accountplans.ogsm.helpers import make_cascade, make_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_editors_of_one_goal_one_wins_the_other_conflicts(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    plan = make_plan(world.east_customer, world.east_rep)
    goal = make_cascade(plan, world.east_rep)["goal"]
    version = goal.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        try:
            mine = selectors.get_visible_record(world.east_rep, "goal", goal.pk)
            barrier.wait(timeout=30)
            services.update(mine, by=world.east_rep, version=version, text=text)
            outcomes.append("written")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(text,)) for text in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "written"]
    saved = PlanGoal.objects.get(pk=goal.pk)
    assert saved.version == version + 1
    edits = PlanChange.objects.filter(plan=plan, action="ogsm", summary__contains="edited")
    assert edits.count() == 1
