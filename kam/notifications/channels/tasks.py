"""The channels' background work (django-tasks; `kam db_worker` runs it).

`send_delivery_task` makes one try at a queued delivery and, when it fails and tries are left,
enqueues itself again to run after a growing delay (where the backend can defer; the immediate
backend tries again at once). `weekly_digest_task` writes and queues the week's digests; schedule it
once a week (e.g. Friday 17:00) or run `kam digest` from cron::

    0 17 * * 5  cd /srv/kam && .venv/bin/kam digest

Both are idempotent: a delivery no longer queued is not sent again, and a user gets one digest a week.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from kam.notifications.channels import digest, sending

log = logging.getLogger(__name__)


@task()
def send_delivery_task(delivery_id: int) -> dict[str, object]:
    outcome = sending.attempt(delivery_id)
    if outcome.retry_after is not None:
        enqueue_delivery(delivery_id, delay=outcome.retry_after)
    return {"status": outcome.status, "attempts": outcome.attempts}


def enqueue_delivery(delivery_id: int, *, delay: dt.timedelta | None = None) -> None:
    """Queue one try; a backend that refuses the task fails the delivery (and says why) rather than
    raising into the caller."""
    pending = send_delivery_task
    try:
        if delay is not None and pending.get_backend().supports_defer:
            pending = pending.using(run_after=timezone.now() + delay)
        pending.enqueue(delivery_id)
    except Exception as error:
        log.exception("Delivery %s could not be queued", delivery_id)
        sending.record_failure(delivery_id, f"not queued: {type(error).__name__}: {error}")


def run_weekly_digest(week_start: dt.date | None = None) -> digest.DigestRun:
    """Write the week's digests and queue their e-mails (the command and the task share it)."""
    run = digest.prepare(week_start)
    for pk in run.delivery_ids:
        enqueue_delivery(pk)
    return run


@task()
def weekly_digest_task(week: str | None = None) -> dict[str, int]:
    """`week`: any day of the week as YYYY-MM-DD; the current week without it."""
    run = run_weekly_digest(dt.date.fromisoformat(week) if week else None)
    return {"created": run.created, "already_sent": run.already_sent}
