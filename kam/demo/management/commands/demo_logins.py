"""`kam demo_logins`: print the demo logins (nothing when the demo is not loaded); `kam serve` calls it."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kam.demo.logins import demo_logins_text


class Command(BaseCommand):
    help = "Print the demo logins and their password (nothing when no demo data is loaded)."

    def handle(self, *args, **options) -> None:
        logins = demo_logins_text()
        if logins:
            self.stdout.write(logins)
