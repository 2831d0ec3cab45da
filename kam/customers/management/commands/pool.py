"""`kam pool run`: the public pool's daily pass (warn, return, ask managers) now or in the background."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.customers.pool.services import run_pass
from kam.customers.pool.tasks import pool_pass_task


class Command(BaseCommand):
    help = "The public pool: `run` warns owners, returns idle customers to the pool and files key customers' returns for approval."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run the daily pass.")
        run.add_argument("--date", help="Run as on this day (YYYY-MM-DD), e.g. to catch up a missed day.")
        run.add_argument("--background", action="store_true", help="Enqueue the pass for the worker instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["background"]:
            result = pool_pass_task.enqueue()
            self.stdout.write(f"Enqueued the pool pass as task {result.id}")
            return
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from None
        outcome = run_pass(today)
        self.stdout.write(
            f"Warned {len(outcome.warned)}, returned {len(outcome.returned)}, "
            f"asked for approval {len(outcome.requested)}, warnings cleared {len(outcome.cleared)}, "
            f"requests withdrawn {len(outcome.withdrawn)}"
        )
