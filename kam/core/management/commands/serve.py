"""`kam serve`: gunicorn (sync workers; WSGI measured faster here than ASGI) with whitenoise static files,
and the background task worker beside it.

`kam serve` stays a small supervisor: gunicorn and the task worker are its children, each in a process
group of its own (so a Ctrl+C in the terminal reaches only the supervisor, and each child gets the signal
once, from it). SIGTERM and SIGINT are passed on to both; the supervisor waits for both and exits with
gunicorn's code. Should the supervisor be killed outright, Linux sends each child SIGTERM (PDEATHSIG), so
neither is left running on its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

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
        with_worker = not no_task_worker and "database" in settings.TASKS["default"]["BACKEND"].lower()
        if with_worker:
            # Recomputes and snapshots enqueued by the web workers run there.
            self.stdout.write("Background task worker started (kam db_worker).")
        self.stdout.flush()
        code = Supervisor(
            gunicorn_argv(host, port, workers),
            task_worker_argv() if with_worker else None,
            say=lambda message: self.stderr.write(f"kam serve: {message}"),
        ).run()
        if code:
            raise SystemExit(code)

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


# How long a child may take to finish after SIGTERM before it is killed: gunicorn's own graceful
# timeout is 30 s (requests in flight finish), the task worker finishes the task it is running.
STOP_TIMEOUT = 35.0
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
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


def task_worker_argv() -> list[str]:
    return [sys.executable, "-m", "kam.cli", "db_worker", "--interval", "2"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """In the child: its own process group, and SIGTERM when the supervisor dies (Linux only)."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        try:
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


def start_child(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, preexec_fn=_die_with_parent)


class Supervisor:
    """Runs gunicorn and (optionally) the task worker; passes SIGTERM/SIGINT on; waits for both."""

    def __init__(
        self,
        web_argv: list[str],
        worker_argv: list[str] | None,
        *,
        say: Callable[[str], None] = print,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.web_argv = web_argv
        self.worker_argv = worker_argv
        self.say = say
        self.stop_timeout = stop_timeout
        self.stop_signal: int | None = None
        self.stop_deadline: float | None = None
        self.children: list[subprocess.Popen] = []

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
            self.stop_deadline = time.monotonic() + self.stop_timeout
        self._send(signum)

    def _send(self, signum: int) -> None:
        for child in self.children:
            child.send_signal(signum)  # nothing for a child that has ended

    def run(self) -> int:
        previous = {signum: signal.signal(signum, self._on_signal) for signum in FORWARDED_SIGNALS}
        try:
            web = start_child(self.web_argv)
            self.children.append(web)
            worker = start_child(self.worker_argv) if self.worker_argv else None
            if worker is not None:
                self.children.append(worker)
            if self.stop_signal is not None:  # a signal came while the children were starting
                self._send(self.stop_signal)
            return self._wait(web, worker)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _wait(self, web: subprocess.Popen, worker: subprocess.Popen | None) -> int:
        worker_reported = False
        while any(child.poll() is None for child in self.children):
            if self.stop_signal is None and web.poll() is not None:
                # gunicorn ended by itself (e.g. the port is taken): nothing left to serve for.
                self.say(f"gunicorn exited with code {web.returncode}; stopping the task worker.")
                self.stop_signal = signal.SIGTERM
                self.stop_deadline = time.monotonic() + self.stop_timeout
                self._send(signal.SIGTERM)
            if (
                worker is not None
                and worker.poll() is not None
                and not worker_reported
                and self.stop_signal is None
            ):
                worker_reported = True
                self.say(
                    f"the background task worker exited with code {worker.returncode}; pages keep being "
                    "served, but queued recomputes wait until `kam db_worker` runs again."
                )
            if self.stop_deadline is not None and time.monotonic() > self.stop_deadline:
                for child in self.children:
                    if child.poll() is None:
                        self.say(
                            f"process {child.pid} did not stop in {self.stop_timeout:.0f} s; killing it."
                        )
                        child.kill()
                self.stop_deadline = None
            # Wakes on a child's end; a signal's handler runs in between and the loop goes on.
            with contextlib.suppress(subprocess.TimeoutExpired):
                (web if web.poll() is None else self.children[-1]).wait(timeout=0.2)
        code = web.returncode
        if code is not None and code < 0:  # killed by a signal: report it the way a shell would
            code = 128 - code
        return code or 0
