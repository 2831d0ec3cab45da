"""Two people saving one plan from the same version at the same moment: one write lands, the other
is a conflict, on PostgreSQL's READ COMMITTED where a read-then-write would lose an update."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.planning.accountplans import services
from kam.planning.accountplans.models import AccountPlan, PlanChange

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_writers_from_one_version_one_wins_the_other_conflicts(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    plan = services.create_plan(customer=world.east_customer, year=2027, by=world.east_rep)
    version = plan.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        try:
            mine = AccountPlan.objects.get(pk=plan.pk)
            barrier.wait(timeout=30)
            services.update_plan(mine, by=world.east_rep, version=version, business_risks=text)
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
    saved = AccountPlan.objects.get(pk=plan.pk)
    assert saved.version == version + 1
    assert PlanChange.objects.filter(plan=plan, action="edited").count() == 1
    assert saved.revisions.count() == 2
