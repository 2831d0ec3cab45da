"""`kam serve` starts gunicorn and, with the database task backend, the background task worker."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kam.core.management.commands import serve

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def launched(monkeypatch):
    calls: dict[str, list] = {"popen": [], "execv": []}
    monkeypatch.setattr(serve.subprocess, "Popen", lambda argv, **kw: calls["popen"].append(argv))
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls["execv"].append(argv))
    return calls


def test_serve_starts_the_task_worker_beside_gunicorn(db, settings, launched):
    settings.TASKS = DATABASE_TASKS
    call_command("serve", "--port", "8123")
    assert len(launched["popen"]) == 1 and "db_worker" in launched["popen"][0]
    assert "gunicorn" in launched["execv"][0] and "127.0.0.1:8123" in launched["execv"][0]


def test_serve_without_a_worker_when_asked_or_when_tasks_run_in_process(db, settings, launched):
    settings.TASKS = DATABASE_TASKS
    call_command("serve", "--no-task-worker")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("serve")
    assert launched["popen"] == []
    assert len(launched["execv"]) == 2
