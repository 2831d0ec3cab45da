"""The SLA watch as a background task (django-tasks; `kam db_worker` runs it).

Schedule it every few minutes, so a warning comes close to its point on the clock. With cron, on
the server where kam runs (same environment variables as the web process)::

    */5 * * * *  cd /srv/kam && .venv/bin/kam sla

or with a systemd timer (`OnCalendar=*:0/5`) running `kam sla`. Where a django-tasks worker runs,
enqueue `sla_watch_task` instead; it takes no arguments. Both are idempotent: a request is warned
once and escalated once, however often the watch runs."""

from __future__ import annotations

from django_tasks import task

from kam.delivery.service.services import watch


@task()
def sla_watch_task() -> dict[str, int]:
    """Warn and escalate what the clock says; returns how many of each."""
    result = watch()
    return {"warned": result.warned, "escalated": result.escalated}
