"""`kam rescore`: recompute customer scores now (all customers, or the ids given)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kam.customers.scoring import engine as scoring
from kam.customers.scoring.tasks import rescore_customers_task


class Command(BaseCommand):
    help = "Recompute customer scores and tiers from the active scoring model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_ids", nargs="*", type=int, help="Only these customers (default: all).")
        parser.add_argument(
            "--background", action="store_true", help="Enqueue the recompute for the worker instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["customer_ids"] or None
        if options["background"]:
            result = rescore_customers_task.enqueue(ids)
            self.stdout.write(f"Enqueued rescore task {result.id}")
            return
        started = time.perf_counter()
        count = scoring.rescore(ids)
        self.stdout.write(f"Rescored {count} customers in {time.perf_counter() - started:.1f} s")
