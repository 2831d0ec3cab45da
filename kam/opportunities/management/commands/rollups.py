"""`kam rollups verify` / `kam rollups rebuild`: check the pipeline, stage, forecast, funnel and
team rollups (and the deal-team rows' owner flags) against the opportunities, or refill them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kam.opportunities.rollups import rebuild, verify


class Command(BaseCommand):
    help = (
        "verify: recompute the pipeline, stage, forecast, funnel and team rollups and the deal-team owner flags "
        "from the opportunities and compare (exit status 1 and the differing cells when they disagree). "
        "rebuild: replace the rollups with the recomputed cells and set the flags."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            cells = rebuild()
            self.stdout.write(f"Rebuilt the rollups: {cells} pipeline cells.")
            return
        differences = verify()
        if differences:
            for difference in differences:
                self.stdout.write(str(difference))
            raise CommandError(f"The rollups differ from the opportunities in {len(differences)} cells.")
        self.stdout.write("The rollups match the opportunities.")
