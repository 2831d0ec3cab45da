"""Delivery document numbers: a yearly sequence per pattern, the pattern read from settings."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kam.delivery.numbering import contract_pattern, next_number, sequence_key, service_pattern
from kam.opportunities.models import NumberSequence

pytestmark = pytest.mark.django_db


def test_sequence_counts_per_year_and_restarts_next_year():
    day = dt.date(2026, 3, 1)
    assert next_number("HT-{year}-{seq:04d}", day) == "HT-2026-0001"
    assert next_number("HT-{year}-{seq:04d}", day) == "HT-2026-0002"
    assert next_number("HT-{year}-{seq:04d}", dt.date(2027, 1, 2)) == "HT-2027-0001"
    assert next_number("HT-{year}-{seq:04d}", day) == "HT-2026-0003"


def test_patterns_count_apart_and_apart_from_project_numbers():
    day = dt.date(2026, 3, 1)
    NumberSequence.objects.create(prefix="XM", year=2026, last=41)
    assert next_number("HT-{year}-{seq:04d}", day) == "HT-2026-0001"
    assert next_number("FW-{year}-{seq:05d}", day) == "FW-2026-00001"
    assert NumberSequence.objects.get(prefix="XM", year=2026).last == 41


def test_pattern_comes_from_settings(settings):
    settings.KAM_CONTRACT_NUMBER_PATTERN = "C/{year}/{seq:03d}"
    settings.KAM_SERVICE_NUMBER_PATTERN = "SR{year}{seq:06d}"
    assert next_number(contract_pattern(), dt.date(2026, 5, 5)) == "C/2026/001"
    assert next_number(service_pattern(), dt.date(2026, 5, 5)) == "SR2026000001"


def test_defaults_when_settings_lack_the_patterns(settings):
    del settings.KAM_CONTRACT_NUMBER_PATTERN
    del settings.KAM_SERVICE_NUMBER_PATTERN
    assert contract_pattern() == "HT-{year}-{seq:04d}"
    assert service_pattern() == "FW-{year}-{seq:05d}"


def test_key_survives_a_change_of_width_and_a_leading_placeholder_gets_a_key():
    assert sequence_key("HT-{year}-{seq:04d}") == sequence_key("HT-{year}-{seq:06d}") == "HT"
    key = sequence_key("{year}-{seq}")
    assert key.startswith("#") and len(key) <= 20
    day = dt.date(2026, 1, 1)
    next_number("HT-{year}-{seq:04d}", day)
    assert next_number("HT-{year}-{seq:06d}", day) == "HT-2026-000002"


def test_today_by_default():
    from django.utils import timezone

    assert next_number("HT-{year}-{seq:04d}") == f"HT-{timezone.localdate().year}-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("threads sharing a SQLite test database serialise anyway; the race is PostgreSQL's")
    day = dt.date(2026, 6, 1)
    next_number("HT-{year}-{seq:04d}", day)  # the row exists: the writers race on the UPDATE

    def draw(_: int) -> str:
        try:
            return next_number("HT-{year}-{seq:04d}", day)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(draw, range(20)))
    assert len(set(numbers)) == 20
    assert sorted(numbers)[-1] == "HT-2026-0021"
