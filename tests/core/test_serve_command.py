"""`kam serve` starts gunicorn and, with the database task backend, the background task worker; it
collects the static files first when STATIC_ROOT lacks them, and prints the demo logins."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command

from kam.core.management.commands import serve
from tests.factories import UserFactory

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MANIFEST_STORAGE = {"BACKEND": "kam.core.storage.StaticStorage"}


@pytest.fixture
def launched(monkeypatch):
    """What the supervisor would start: gunicorn's command line ("execv", one per serve) and the task
    worker's ("popen"). tests/core/test_serve_signals.py runs them for real."""
    calls: dict[str, list] = {"popen": [], "execv": []}

    class FakeSupervisor:
        def __init__(self, web_argv, worker_argv, **kwargs):
            calls["execv"].append(web_argv)
            if worker_argv:
                calls["popen"].append(worker_argv)

        def run(self) -> int:
            return 0

    monkeypatch.setattr(serve, "Supervisor", FakeSupervisor)
    return calls


@pytest.fixture
def static_collected(monkeypatch):
    """The launch tests are not about static files: nothing to collect."""
    monkeypatch.setattr(serve, "uncollected_static_files", lambda: [])


@pytest.fixture
def static_root(settings, tmp_path):
    """A fresh, empty STATIC_ROOT (never the checkout's var/static)."""
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def serve_output(*args: str) -> str:
    out = io.StringIO()
    call_command("serve", *args, stdout=out)
    return out.getvalue()


def test_serve_starts_the_task_worker_beside_gunicorn(db, settings, launched, static_collected):
    settings.TASKS = DATABASE_TASKS
    call_command("serve", "--port", "8123", stdout=io.StringIO())
    assert len(launched["popen"]) == 1 and "db_worker" in launched["popen"][0]
    assert "gunicorn" in launched["execv"][0] and "127.0.0.1:8123" in launched["execv"][0]


def test_serve_without_a_worker_when_asked_or_when_tasks_run_in_process(
    db, settings, launched, static_collected
):
    settings.TASKS = DATABASE_TASKS
    call_command("serve", "--no-task-worker", stdout=io.StringIO())
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("serve", stdout=io.StringIO())
    assert launched["popen"] == []
    assert len(launched["execv"]) == 2


def test_serve_prints_the_demo_logins_through_the_demo_apps_command(db, launched, static_collected):
    assert "Demo logins" not in serve_output()
    UserFactory(username="demo_rep_x")
    output = serve_output()
    assert "Demo logins (password for all: kam-demo-2026):" in output
    assert "demo_rep_x" in output
    assert output.index("demo_rep_x") < output.index("kam is serving on http://127.0.0.1:8000/")


def test_the_demo_logins_command_prints_nothing_without_the_demo(db):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert out.getvalue() == ""


def test_serve_collects_missing_static_files_once(db, static_root, launched):
    assert "css/kam.css" in serve.uncollected_static_files()

    output = serve_output()
    assert f"The static files in {static_root} are missing or out of date" in output
    assert (static_root / "css" / "kam.css").is_file()
    assert (static_root / "admin" / "css" / "base.css").is_file()  # every app's files, not only kam's
    assert serve.uncollected_static_files() == []
    assert len(launched["execv"]) == 1  # and then it serves

    assert "missing or out of date" not in serve_output()  # nothing to collect the second time


def test_a_collected_file_older_than_its_source_is_out_of_date(static_root):
    call_command("collectstatic", interactive=False, verbosity=0)
    assert serve.uncollected_static_files() == []
    os.utime(static_root / "css" / "kam.css", (0, 0))
    assert serve.uncollected_static_files() == ["css/kam.css"]


def test_with_the_manifest_storage_the_manifest_must_be_there(settings, static_root):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    assert serve.uncollected_static_files() == ["staticfiles.json"]
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (static_root / "staticfiles.json").is_file()
    assert serve.uncollected_static_files() == []


def test_serve_says_what_to_do_when_static_root_is_not_writable(db, static_root, launched, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(static_root))

    monkeypatch.setattr(serve, "call_command", refuse)
    with pytest.raises(serve.CommandError, match="kam collectstatic --noinput"):
        call_command("serve", stdout=io.StringIO())
    assert launched["execv"] == []
