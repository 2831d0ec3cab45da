"""Two people writing to one bid from the same version at the same moment: one write lands, the other
is a conflict, on PostgreSQL's READ COMMITTED where a read-then-write would lose an update."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.planning.bids import services
from kam.planning.bids.models import Bid, BidCostLine
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_writers_from_one_version_one_wins_the_other_conflicts(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    deal = make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P4", name="Race")
    bid = services.start_bid(deal, by=world.east_rep)
    version = bid.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(description: str) -> None:
        try:
            mine = Bid.objects.select_related("opportunity").get(pk=bid.pk)
            barrier.wait(timeout=30)
            services.add_item(
                mine, "cost-lines", by=world.east_rep, version=version, kind="other",
                description=description, amount=Decimal(1),
            )  # fmt: skip
            outcomes.append("written")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "written"]
    assert BidCostLine.objects.filter(bid_id=bid.pk).count() == 1
    assert Bid.objects.get(pk=bid.pk).version == version + 1
