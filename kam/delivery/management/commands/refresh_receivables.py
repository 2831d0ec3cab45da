"""`kam refresh_receivables`: recompute every customer's overdue receivables (run daily; see
kam.delivery.payments.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kam.delivery.payments.services import refresh_care


class Command(BaseCommand):
    help = (
        "Recompute each customer's overdue amount and oldest overdue due date from the payment plans "
        "(instalments turn overdue with the date alone, so run this once a day)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = refresh_care(None)
        self.stdout.write(f"{count} customers have overdue receivables.")
