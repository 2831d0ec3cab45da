"""`kam restore PATH`: put a backup written by `kam backup` back into the configured database."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from kam.core import backup


class Command(BaseCommand):
    help = (
        "Replace everything in the configured database with a backup written by `kam backup`: SQLite is "
        "copied back with its backup API into the live file, PostgreSQL restored with `pg_restore --clean "
        "--if-exists --no-owner` in one transaction. Asks for confirmation unless --force is given; stop "
        "`kam serve` first so no one works on data that is about to be replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `kam backup` (.sqlite3 or .pgdump).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Do not ask: replace the database's contents without confirmation (for scripts).",
        )

    def handle(self, *args, path: str, force: bool = False, **options):
        try:
            target, file = backup.check_restorable(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not force:
            self.confirm(f"This replaces every row in {target.label} with the contents of {file}.")
        try:
            backup.restore(target, file)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {target.label} from {file}."))
        behind = self.unapplied_migrations()
        if behind:
            self.stdout.write(
                f"The backup predates {behind} migration(s) of this kam version: run `kam migrate` now."
            )

    def confirm(self, what: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError(f"{what} Run it again with --force to confirm (no terminal to ask on).")
        self.stdout.write(what)
        answer = input("Type 'yes' to restore, anything else to stop: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was restored.")

    def unapplied_migrations(self) -> int:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        connection.close()
        return len(plan)
