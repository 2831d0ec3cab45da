"""Scheduled work of the insights app.

`take_snapshot_task()` stores one pipeline snapshot. Schedule it once a week, before the weekly
meeting, so "what changed" compares this week with last week. With cron, on the server where
kam runs (same environment variables as the web process)::

    # m h dom mon dow  command
    0 7 * * MON  cd /srv/kam && .venv/bin/kam snapshot --note "weekly"

or with a systemd timer (`OnCalendar=Mon *-*-* 07:00:00`) running `kam snapshot`. Where a
django-tasks worker runs, enqueue this function instead; it takes no arguments, so any
scheduler can call it.
"""

from __future__ import annotations

from django_tasks import task

from kam.insights.models import Snapshot
from kam.insights.review.services import take_snapshot


@task()
def take_snapshot_task(note: str = "") -> int:
    """Take one snapshot of every open opportunity (no user: the system took it); returns its id."""
    snapshot: Snapshot = take_snapshot(note=note)
    return snapshot.pk
