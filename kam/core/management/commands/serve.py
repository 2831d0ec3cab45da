"""`kam serve`: gunicorn (sync workers; WSGI measured faster here than ASGI) with whitenoise static files."""

from __future__ import annotations

import os
import subprocess
import sys

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError


def uncollected_static_files() -> list[str]:
    """The static files STATIC_ROOT lacks, or holds older than their source (empty when all are collected).

    Without them gunicorn serves pages without CSS and scripts. With a manifest storage (DEBUG off) a
    file counts as collected when the manifest names it and its hashed copy is there and up to date.
    """
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    hashed_files = getattr(staticfiles_storage, "hashed_files", None)
    if manifest_name and not staticfiles_storage.exists(manifest_name):
        return [manifest_name]
    config = apps.get_app_config("staticfiles")  # the patterns collectstatic skips by default
    ignore_patterns = config.ignore_patterns if isinstance(config, StaticFilesConfig) else []
    seen: set[str] = set()
    stale: list[str] = []
    for finder in finders.get_finders():
        for path, source_storage in finder.list(ignore_patterns):
            prefix = getattr(source_storage, "prefix", None)
            name = os.path.join(prefix, path) if prefix else path
            if name in seen:  # the first finder's file wins, as in collectstatic
                continue
            seen.add(name)
            collected_name = name if hashed_files is None else hashed_files.get(name)
            collected = modified_at(staticfiles_storage.path(collected_name)) if collected_name else None
            # Whole seconds, as collectstatic compares them when it decides what to copy again.
            if collected is None or int(collected) < int(os.stat(source_storage.path(path)).st_mtime):
                stale.append(name)
    return stale


def modified_at(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return None


class Command(BaseCommand):
    help = "Serve kam with gunicorn on HOST:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KAM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KAM_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KAM_WORKERS", "2")))
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help="Do not start the background task worker (run `kam db_worker` yourself, e.g. elsewhere).",
        )

    def handle(self, *args, host: str, port: int, workers: int, no_task_worker: bool = False, **options):
        self.collect_static_files_if_needed()
        # The demo app (if installed) prints its logins; core does not import it.
        if "demo_logins" in get_commands():
            call_command("demo_logins", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"kam is serving on http://{host}:{port}/  (Ctrl+C stops it)"))
        if not no_task_worker and "database" in settings.TASKS["default"]["BACKEND"].lower():
            # Recomputes and snapshots enqueued by the web workers run here. It is a child of this
            # process group, so Ctrl+C stops it together with gunicorn.
            subprocess.Popen([sys.executable, "-m", "kam.cli", "db_worker", "--interval", "2"])
            self.stdout.write("Background task worker started (kam db_worker).")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, argv)

    def collect_static_files_if_needed(self) -> None:
        stale = uncollected_static_files()
        if not stale:
            return
        self.stdout.write(
            f"The static files in {settings.STATIC_ROOT} are missing or out of date: "
            "running `kam collectstatic --noinput` first."
        )
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
        except OSError as exc:
            raise CommandError(
                f"Could not collect the static files into {settings.STATIC_ROOT} ({exc}). Run "
                "`kam collectstatic --noinput` as a user who may write there, or point STATIC_ROOT "
                "at a writable directory; without them pages are served without CSS."
            ) from exc
