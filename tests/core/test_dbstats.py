"""The planner's statistics: refreshed on SQLite, left to PostgreSQL's autovacuum."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from kam.core.dbstats import refresh_statistics
from tests.factories import CustomerFactory, UserFactory

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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its statistics in sqlite_stat1")
def test_the_statistics_count_every_row_not_a_sample(monkeypatch):
    """A sampled ANALYZE caps what it records at the sample: the planner then took a filter on
    the status for as selective as one rep's deals."""
    owner = UserFactory()
    CustomerFactory.create_batch(30, owner=owner)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=5")  # a sample left set by someone else
    refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'customers_customer' AND idx LIKE '%owner%'"
        )
        stats = [stat.split() for (stat,) in cursor.fetchall()]
    # Rows, then rows per owner: all 30 customers are one owner's (a sample of 5 says 6).
    assert stats and all(int(rows) == 30 and int(per_owner) == 30 for rows, per_owner, *_ in stats), stats


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its statistics in sqlite_stat1")
def test_a_migration_refreshes_statistics_only_of_an_analysed_database():
    from kam.core.dbstats import refresh_after_migration

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    CustomerFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_schema")
        cursor.execute("DELETE FROM sqlite_stat1")
    refresh_after_migration(None, editor)  # never analysed: every index alike at the defaults
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1")
        assert cursor.fetchone()[0] == 0
        cursor.execute("INSERT INTO sqlite_stat1 VALUES ('customers_customer', NULL, '3')")
    refresh_after_migration(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer' AND idx IS NOT NULL"
        )
        assert cursor.fetchone()[0] > 0
