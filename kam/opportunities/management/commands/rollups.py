"""`kam rollups verify` / `kam rollups rebuild`: check the pipeline rollup against the opportunities, or refill it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.opportunities.rollups import rebuild, verify


class Command(BaseCommand):
    help = (
        "verify: recompute the pipeline rollup from the opportunities and compare (exit status 1 and "
        "the differing cells when they disagree). rebuild: replace the rollup with the recomputed cells."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            cells = rebuild()
            self.stdout.write(f"Rebuilt the pipeline rollup: {cells} cells.")
            return
        differences = verify()
        if differences:
            for difference in differences:
                self.stdout.write(str(difference))
            raise CommandError(
                f"The pipeline rollup differs from the opportunities in {len(differences)} cells."
            )
        self.stdout.write("The pipeline rollup matches the opportunities.")
