"""The daily reminders as a background task (django-tasks; `kam db_worker` runs it).

Schedule it once a day, early, before people start: with cron, on the server where kam runs (same
environment variables as the web process)::

    30 6 * * *  cd /srv/kam && .venv/bin/kam remind

or with a systemd timer (`OnCalendar=*-*-* 06:30`) running `kam remind`. Where a django-tasks worker
runs, enqueue `remind_task` instead; it takes no arguments. Both are idempotent: each reminder is
created once, however often the run is repeated."""

from __future__ import annotations

from django_tasks import task

from kam.notifications.remind import remind


@task()
def remind_task() -> dict[str, int]:
    """The due reminders into the inbox; returns how many of each kind were created."""
    return remind()
