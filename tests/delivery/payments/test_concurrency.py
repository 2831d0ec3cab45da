"""Two people recording payments on one contract at the same moment, on PostgreSQL's READ COMMITTED:
the contract's row lock serialises the matching, so the second sees the first's allocations and
the instalments never receive more than their amount."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kam.delivery.models import Contract, Instalment, Payment
from kam.delivery.payments import services
from tests.delivery.payments.helpers import add, make_contract

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_payments_at_once_one_lands_the_other_is_refused(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    contract = make_contract(world.east_customer, world.east_rep, "1000")
    inst = add(contract, world.east_rep, "600", dt.date(2026, 1, 31))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(by) -> None:
        try:
            mine = Contract.objects.get(pk=contract.pk)
            barrier.wait(timeout=30)
            services.record_payment(mine, by=by, amount="400", received_on=dt.date(2026, 2, 1))
            outcomes.append("written")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(u,)) for u in (world.east_rep, world.east_mgr)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "written"]
    assert Payment.objects.filter(contract=contract).count() == 1
    assert Instalment.objects.get(pk=inst.pk).received == Decimal("400")
