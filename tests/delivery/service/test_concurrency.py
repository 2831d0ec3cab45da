"""On PostgreSQL's READ COMMITTED: two SLA watches running at once escalate a request once, and two
people moving one request from the same version get one move and one conflict."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.delivery.models import DeliveryChange, Priority, ServiceRequest, ServiceStatus
from kam.delivery.service import services
from tests.delivery.service.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True)


def _race(work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(work(i))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")


def test_two_watches_escalate_once(needs_postgres, world, open_request):
    sr = open_request(world.east_customer, priority=Priority.URGENT)
    outcomes = _race(lambda i: str(services.watch(T0 + dt.timedelta(days=30)).escalated))
    assert sorted(outcomes) == ["0", "1"]
    assert DeliveryChange.objects.filter(record_id=sr.pk, action="escalated").count() == 1


def test_two_moves_from_one_version(needs_postgres, world, open_request):
    sr = open_request(world.east_customer)

    def move(i: int) -> str:
        mine = ServiceRequest.objects.select_related("customer").get(pk=sr.pk)
        try:
            services.move(mine, by=world.east_rep, version=1, to=ServiceStatus.ACKNOWLEDGED)
        except ConflictError:
            return "conflict"
        return "moved"

    assert sorted(_race(move)) == ["conflict", "moved"]
    assert DeliveryChange.objects.filter(record_id=sr.pk, action="status").count() == 1
