"""Two surveys of one customer recorded at the same moment: the care row ends with the level of the
survey taken last, whichever transaction commits first (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from kam.delivery.models import ChurnBand, CustomerCare, SatisfactionSurvey
from kam.delivery.satisfaction import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_surveys_leave_the_latest_level(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    # A transactional test starts from empty tables: the seeded curve is put back for it.
    for level, churn, low, high in (
        (1, 80, 0, 4),
        (2, 40, 5, 6),
        (3, 20, 7, 7),
        (4, 10, 8, 8),
        (5, 1.5, 9, 10),
    ):
        ChurnBand.objects.get_or_create(
            level=level,
            defaults={"name": str(level), "churn_percent": churn, "nps_from": low, "nps_to": high},
        )
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def write(score: int, on: dt.date) -> None:
        try:
            barrier.wait(timeout=30)
            services.record_survey(
                world.east_customer, by=world.east_rep, taken_on=on, overall=score, scale="nps"
            )
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=(2, dt.date(2026, 1, 1))),
        threading.Thread(target=write, args=(10, dt.date(2026, 6, 1))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert SatisfactionSurvey.objects.count() == 2
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.satisfaction_level == 5 and care.satisfaction_on == dt.date(2026, 6, 1)
