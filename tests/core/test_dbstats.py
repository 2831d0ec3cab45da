"""The planner's statistics: refreshed on SQLite, left to PostgreSQL's autovacuum."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from kam.core.dbstats import refresh_statistics
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its statistics in sqlite_stat1")
def test_sqlite_statistics_cover_the_customers_after_a_refresh():
    CustomerFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_schema")  # makes sure sqlite_stat1 exists, then empty it
        cursor.execute("DELETE FROM sqlite_stat1")
    assert refresh_statistics() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        assert cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's autovacuum analyses")
def test_postgresql_is_left_to_autovacuum():
    assert refresh_statistics() is False


def test_the_command_says_what_it_did(capsys):
    call_command("refresh_statistics")
    expected = "Statistics refreshed." if connection.vendor == "sqlite" else "Nothing to do"
    assert expected in capsys.readouterr().out
