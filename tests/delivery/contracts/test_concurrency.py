"""Two people writing one contract from the same version at the same moment: one write lands, the
other is a conflict, on PostgreSQL's READ COMMITTED where a read-then-write would lose an update."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from kam.core.errors import ConflictError
from kam.delivery.contracts import services
from kam.delivery.models import Contract, DeliveryChange

pytestmark = pytest.mark.django_db(transaction=True)


def race(first: Callable[[Contract], object], second: Callable[[Contract], object], pk: int) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(action: Callable[[Contract], object]) -> None:
        try:
            mine = Contract.objects.get(pk=pk)
            barrier.wait(timeout=30)
            action(mine)
            outcomes.append("written")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def signed_contract(world) -> Contract:
    contract = services.create_contract(
        by=world.east_rep, customer=world.east_customer, title="Relining", amount=Decimal("1000")
    )
    # Signed without the approval round trip: the race is about the amendments.
    Contract.objects.filter(pk=contract.pk).update(status="signed")
    return Contract.objects.get(pk=contract.pk)


def test_two_editors_from_one_version(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    contract = services.create_contract(
        by=world.east_rep, customer=world.east_customer, title="Relining", amount=Decimal("1000")
    )
    outcomes = race(
        lambda c: services.update_contract(c, by=world.east_rep, version=1, notes="A"),
        lambda c: services.update_contract(c, by=world.east_rep, version=1, notes="B"),
        contract.pk,
    )
    assert outcomes == ["conflict", "written"]
    assert Contract.objects.get(pk=contract.pk).version == 2
    assert DeliveryChange.objects.filter(contract=contract, action="updated").count() == 1


def test_two_amendments_from_one_version_never_lose_a_change(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    contract = signed_contract(world)
    version = contract.version
    outcomes = race(
        lambda c: services.add_amendment(
            c, by=world.east_rep, amount_change=Decimal("100"), reason="A", version=version
        ),
        lambda c: services.add_amendment(
            c, by=world.east_rep, amount_change=Decimal("-50"), reason="B", version=version
        ),
        contract.pk,
    )
    assert outcomes == ["conflict", "written"]
    saved = Contract.objects.get(pk=contract.pk)
    # The amount is the signed one plus the one amendment that landed, never both or neither.
    assert saved.amount == Decimal("1000") + saved.amendments.get().amount_change
