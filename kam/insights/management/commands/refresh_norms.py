"""`kam refresh_norms [--percentile N]`: recompute the stage norms the health scan compares with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kam.insights.health.norms import refresh_stage_norms


class Command(BaseCommand):
    help = (
        "Recompute how long a stay in each stage usually lasts (per team and company-wide) from the "
        "stage history, and store it for the health scan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--percentile",
            type=int,
            default=None,
            help="Percentile of completed stays (default: the stage_too_long rule's threshold).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        norms = refresh_stage_norms(options["percentile"])
        company = [n for n in norms if n.team_id is None]
        teams = {n.team_id for n in norms if n.team_id is not None}
        percentile = norms[0].percentile if norms else options["percentile"]
        self.stdout.write(
            f"Stored {len(norms)} stage norms"
            + (f" ({percentile}th percentile)" if percentile else "")
            + f": {len(company)} company-wide, {len(norms) - len(company)} for {len(teams)} teams."
        )
