"""`kam refresh_statistics`: refresh the query planner's statistics (SQLite; see kam.core.dbstats)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kam.core.dbstats import refresh_statistics


class Command(BaseCommand):
    help = "Refresh the query planner's statistics (SQLite's ANALYZE, sampled); PostgreSQL keeps its own."

    def handle(self, *args: Any, **options: Any) -> None:
        if refresh_statistics():
            self.stdout.write("Statistics refreshed.")
        else:
            self.stdout.write("Nothing to do: this database keeps its statistics itself.")
