"""`kam backup [PATH]`: a copy of the configured database, safe to take while kam serves."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kam.core import backup


class Command(BaseCommand):
    help = (
        "Back up the configured database into a new file: SQLite with its online backup API, PostgreSQL "
        "with `pg_dump --format=custom`. Safe while kam serves. Restore it with `kam restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="The file to write, or a folder for a timestamped file (default: "
            "var/backups/kam-YYYYMMDD-HHMMSS.sqlite3, or .pgdump on PostgreSQL). Never overwritten.",
        )

    def handle(self, *args, path: str | None = None, **options):
        try:
            target, file = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = file.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backed up {target.label} to {file} ({size:,} bytes)."))
