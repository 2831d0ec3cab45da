"""`kam health rescan [--now] | nightly | verify`: the stored health flags (see kam.insights.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.insights.health import store
from kam.insights.health.tasks import request_rescan


class Command(BaseCommand):
    help = (
        "Stored health flags: `rescan` recomputes every opportunity's flags (in the background, or "
        "now with --now), `nightly` only those a date threshold crossed since the last pass, and "
        "`verify` compares the stored flags with the rules run live (exit status 1 on a difference)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        rescan = actions.add_parser("rescan", help="Recompute every opportunity's flags.")
        rescan.add_argument(
            "--now", action="store_true", help="Run here, in the foreground, instead of enqueuing it."
        )
        actions.add_parser("nightly", help="Recompute the opportunities a date threshold crossed.")
        verify = actions.add_parser("verify", help="Compare stored flags with the live rules.")
        verify.add_argument("--show", type=int, default=20, help="Print at most this many differences.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rescan":
            if not options["now"]:
                scan = request_rescan()
                self.stdout.write(
                    f"Rescan {scan.pk} queued ({scan.state}); `kam db_worker` runs it, the Health page shows its progress."
                )
                return
            scan = store.rescan()
            self.stdout.write(f"Rescanned {scan.processed} open opportunities.")
        elif action == "nightly":
            scan, ids = store.nightly()
            self.stdout.write(
                f"Nightly pass: {len(ids)} opportunities crossed a threshold and were recomputed."
            )
        else:
            differences = store.verify()
            counts = store.verify_tallies()
            if not differences and not counts:
                self.stdout.write("Stored health flags agree with the rules.")
                return
            for line in [*map(str, differences), *counts][: options["show"]]:
                self.stdout.write(line)
            raise CommandError(
                f"{len(differences)} opportunities' stored flags differ from the rules; "
                f"{len(counts)} kept counts differ from the stored flags."
            )
