"""The daily refresh of the overdue figures on `CustomerCare`.

An instalment turns overdue when its due date passes, with no write at all, so the figures the
writes keep go stale overnight. Schedule the refresh once a day, shortly after midnight, with the
same environment as the web process::

    10 0 * * *  cd /srv/kam && .venv/bin/kam refresh_receivables

or, where a django-tasks worker runs (`kam db_worker`), enqueue `refresh_overdue_task` from any
scheduler: it takes no arguments."""

from __future__ import annotations

from django_tasks import task

from kam.delivery.payments.services import refresh_care


@task()
def refresh_overdue_task() -> int:
    """Recompute every customer's overdue amount and oldest overdue due date; returns how many are overdue."""
    return refresh_care(None)
