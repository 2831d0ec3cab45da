"""`kam serve`: gunicorn (sync workers; WSGI measured faster here than ASGI) with whitenoise static files."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve kam with gunicorn on HOST:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KAM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KAM_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KAM_WORKERS", "2")))

    def handle(self, *args, host: str, port: int, workers: int, **options):
        from kam.demo.logins import demo_logins_text

        logins = demo_logins_text()
        if logins:
            self.stdout.write(logins)
        self.stdout.write(self.style.SUCCESS(f"kam is serving on http://{host}:{port}/  (Ctrl+C stops it)"))
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
