"""The query planner's statistics.

SQLite chooses between indexes from the statistics ANALYZE leaves in `sqlite_stat1`; without them
(a database that grew by use, or indexes added since) it can walk the wrong index and sort a
million rows a page. PostgreSQL's autovacuum keeps its statistics itself, so there is nothing to
do there. `refresh_statistics` runs after a bulk import and from `kam refresh_statistics` (the
README's nightly commands).
"""

from __future__ import annotations

from django.db import connections


def refresh_statistics(using: str = "default") -> bool:
    """Refresh the planner's statistics where the database needs it; True if it did anything.

    Every index is read whole (no `analysis_limit`): a sample of a few thousand rows per index
    caps the row counts it records at the sample, so `status = 'open'` looked as selective as one
    rep's deals and SQLite walked a sort index over 600,000 open deals for a page of a rep's
    (40 ms instead of 15) or a manager's (700 ms instead of 10). Reading them whole took 6 s at a
    million opportunities."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=0")
        cursor.execute("ANALYZE")
    return True


def refresh_after_migration(apps: object, schema_editor: object) -> None:
    """A migration's last step where it adds an index or fills a column (RunPython). A database
    analysed before keeps statistics of its old indexes only, and SQLite then rates the new index
    blindly against well-known ones (a rep's totals took 750 ms instead of 4 at a million deals):
    refresh them. A database never analysed is left so: every index alike at the defaults."""
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT 1 FROM sqlite_stat1 LIMIT 1")
        if cursor.fetchone() is None:
            return
    refresh_statistics(connection.alias)
