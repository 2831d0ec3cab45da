"""`kam learn [--background]`: retrain the win-probability model (see kam.insights.learning.winprob.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kam.insights.learning.winprob.selectors import why_not
from kam.insights.learning.winprob.services import train
from kam.insights.learning.winprob.tasks import train_task


class Command(BaseCommand):
    help = (
        "Retrain the win-probability model on the closed deals, backtest it against the stage rule and "
        "store it as a new version with a prediction per open deal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background", action="store_true", help="Enqueue the training for the worker instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["background"]:
            result = train_task.enqueue()
            self.stdout.write(f"Enqueued the training as task {result.id}")
            return
        model = train()
        p, m = model.parameters, model.metrics
        self.stdout.write(
            f"Version {model.version} ({model.kind}): {p.get('deals_used', 0)} closed deals, "
            f"{p.get('samples', 0)} samples, {p.get('seconds', 0)} s. Verdict: {model.verdict}."
        )
        if m:
            self.stdout.write(
                f"Backtest from {m.get('test_from')}: Brier {m['model']['brier']} (stage rule {m['rule']['brier']}), "
                f"log loss {m['model']['log_loss']} (stage rule {m['rule']['log_loss']})."
            )
        if not model.active:
            self.stdout.write(f"Not shown: {why_not(model)}")
