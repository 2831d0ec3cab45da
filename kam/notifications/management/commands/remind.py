"""`kam remind [--at ISO-TIME] [--kind KIND ...]`: the due reminders into the inbox (see
kam.notifications.tasks for scheduling)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kam.notifications.producers import PRODUCERS
from kam.notifications.remind import remind


class Command(BaseCommand):
    help = (
        "Put the reminders due now in people's inboxes (approvals waiting, health flags, sign dates "
        "near, stale deals, next steps, payments due and overdue, visits due, plan reviews, SLA "
        "breaches). Each reminder is created once: a second run the same day adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="Run as if it were this time (ISO 8601), e.g. to replay a day.")
        parser.add_argument(
            "--kind",
            action="append",
            choices=sorted(PRODUCERS),
            help="Only this kind of reminder (repeat for several).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            now = parse_datetime(options["at"])
            if now is None:
                raise CommandError("--at takes an ISO 8601 date and time, e.g. 2026-12-05T08:00:00+08:00.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = remind(now, options["kind"])
        total = sum(counts.values())
        details = ", ".join(f"{kind} {n}" for kind, n in counts.items() if n)
        self.stdout.write(f"Reminders: {total} created" + (f" ({details})." if details else "."))
