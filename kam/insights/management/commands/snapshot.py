"""`kam snapshot [--note TEXT]`: store the state of every open opportunity (see kam.insights.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kam.insights.review.services import take_snapshot


class Command(BaseCommand):
    help = "Take a pipeline snapshot: one row per open opportunity, for the weekly 'what changed' page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--note", default="", help="A short note shown next to the snapshot.")

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = take_snapshot(note=options["note"])
        count = snapshot.rows.count()
        self.stdout.write(
            f"Snapshot {snapshot.pk} taken at {snapshot.taken_at:%Y-%m-%d %H:%M}: {count} open opportunities."
        )
