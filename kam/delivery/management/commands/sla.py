"""`kam sla [--at ISO-TIME]`: the SLA watch over the open service requests (see
kam.delivery.service.tasks for scheduling)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kam.delivery.service.services import watch


class Command(BaseCommand):
    help = (
        "Warn the owners of open service requests whose SLA clock passed its warning point and "
        "escalate those past a due time to the owner's manager. Safe to run as often as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="Run as if it were this time (ISO 8601), e.g. to replay a night.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            now = parse_datetime(options["at"])
            if now is None:
                raise CommandError("--at takes an ISO 8601 date and time, e.g. 2026-12-05T08:00:00+08:00.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = watch(now)
        self.stdout.write(f"SLA watch: {result.warned} warned, {result.escalated} escalated.")
