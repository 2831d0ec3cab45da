"""`kam digest [--week YYYY-MM-DD]`: the weekly digest e-mails (see kam.notifications.channels.tasks
for scheduling)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.notifications.channels.tasks import run_weekly_digest


class Command(BaseCommand):
    help = (
        "E-mail each user their unread notifications of the week, grouped by kind. Once per user "
        "and week: running it again the same week sends nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", help="Any day of the week to digest (YYYY-MM-DD); the current week by default."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        week = None
        if options["week"]:
            try:
                week = dt.date.fromisoformat(options["week"])
            except ValueError as error:
                raise CommandError("--week takes a date, e.g. 2026-12-04.") from error
        run = run_weekly_digest(week)
        self.stdout.write(
            f"Weekly digest of the week from {run.week_start.isoformat()}: {run.created} queued, "
            f"{run.already_sent} already sent."
        )
