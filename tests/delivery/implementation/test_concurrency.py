"""Two people editing one plan row from the same version at the same moment: one edit lands, the
other is a conflict, on PostgreSQL's READ COMMITTED where a read-then-write would lose an update."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.delivery.implementation import selectors, services
from kam.delivery.models import DeliveryChange, WorkItem
from tests.delivery.implementation.factories import open_project, row

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_editors_of_one_row_one_wins_the_other_conflicts(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    project = open_project(world)
    item = row(project, world.east_rep)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(progress: int) -> None:
        try:
            mine = selectors.get_visible_work_item(world.east_rep, item.pk)
            barrier.wait(timeout=30)
            services.update_work_item(mine, by=world.east_rep, version=1, progress=progress)
            outcomes.append("written")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(p,)) for p in (30, 60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "written"]
    assert WorkItem.objects.get(pk=item.pk).version == 2
    assert DeliveryChange.objects.filter(record="work_item", action="edited").count() == 1
