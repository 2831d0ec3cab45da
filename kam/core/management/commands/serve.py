"""`kam serve`: gunicorn (sync workers; WSGI measured faster here than ASGI) with whitenoise static files."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


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
        from kam.demo.logins import demo_logins_text

        logins = demo_logins_text()
        if logins:
            self.stdout.write(logins)
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
