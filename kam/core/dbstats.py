"""The query planner's statistics.

SQLite chooses between indexes from the statistics ANALYZE leaves in `sqlite_stat1`; without them
(a database that grew by use, or indexes added since) it can walk the wrong index and sort a
million rows a page. PostgreSQL's autovacuum keeps its statistics itself, so there is nothing to
do there. `refresh_statistics` runs after a bulk import and from `kam refresh_statistics` (the
README's nightly commands).
"""

from __future__ import annotations

from django.db import connections

# Rows ANALYZE samples per index (SQLite's analysis_limit): enough for the planner's choices, and a
# second or so at a million opportunities instead of reading every index whole.
SAMPLE_ROWS = 2000


def refresh_statistics(using: str = "default") -> bool:
    """Refresh the planner's statistics where the database needs it; True if it did anything."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={SAMPLE_ROWS}")
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA analysis_limit=0")
    return True
