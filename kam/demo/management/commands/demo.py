"""`kam demo`: load the deterministic demo world and print its logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kam.demo.generator import DEFAULT_SEED, build_demo, delete_demo_data, demo_data_exists
from kam.demo.logins import demo_logins_text
from kam.org.models import User


class Command(BaseCommand):
    help = "Load demo data (teams, users, customers, contacts, opportunities) a new user can explore."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete existing demo data first, then rebuild."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (apart from printing the logins) when the database already has users.",
        )

    def handle(self, *args, seed: int, reset: bool, if_empty: bool, **options):
        if if_empty and User.objects.exists():
            self.print_logins()
            return
        if demo_data_exists() and not reset:
            self.stdout.write(_("Demo data is already loaded; nothing to do (use --reset to rebuild it)."))
            self.print_logins()
            return
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                delete_demo_data()
            # Texts the services write (e.g. the note of a won stage change) are stored in the
            # active language; a fixed one keeps the same seed giving the same data.
            with translation.override("zh-hans"):
                counts = build_demo(seed)
            if connection.vendor == "postgresql":
                # Thousands of rows just arrived in tables the planner last saw empty: without fresh
                # statistics it picks nested loops that make the first reads take minutes.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded (seed %(seed)s) in %(seconds).1f s:")
                % {"seed": seed, "seconds": time.monotonic() - started}
            )
        )
        for label, count in counts.items():
            self.stdout.write(f"  {label:<24} {count}")
        self.print_logins()

    def print_logins(self) -> None:
        logins = demo_logins_text()
        if logins:
            self.stdout.write(logins)
