"""Scheduled work of the insights app.

`take_snapshot_task()` stores one pipeline snapshot. Schedule it once a week, before the weekly
meeting, so "what changed" compares this week with last week. With cron, on the server where
kam runs (same environment variables as the web process)::

    # m h dom mon dow  command
    0 7 * * MON  cd /srv/kam && .venv/bin/kam snapshot --note "weekly"

or with a systemd timer (`OnCalendar=Mon *-*-* 07:00:00`) running `kam snapshot`. Where a
django-tasks worker runs, enqueue this function instead; it takes no arguments, so any
scheduler can call it.

`nightly_health_task()` recomputes the stored health flags of the opportunities whose sign date,
last update or stage entry crossed a rule's threshold since the last pass (the rules that depend
on the clock; every other input is recomputed by the writes themselves). Schedule it once a day,
shortly after midnight, so the day starts with the day's flags::

    5 0 * * *  cd /srv/kam && .venv/bin/kam health nightly

`rescan_health_task(scan_id)` recomputes every opportunity's flags with its progress in a
HealthScan row; the Health page's button and `kam health rescan` enqueue it, and so do a health
rule edit and a stage norm refresh. `recompute_health_task(ids)` takes the large batches the
services hand over (kam.insights.health.tasks.request_recompute).
"""

from __future__ import annotations

from django_tasks import task

from kam.insights.health.tasks import nightly_health_task, recompute_health_task, rescan_health_task
from kam.insights.models import Snapshot
from kam.insights.review.services import take_snapshot


@task()
def take_snapshot_task(note: str = "") -> int:
    """Take one snapshot of every open opportunity (no user: the system took it); returns its id."""
    snapshot: Snapshot = take_snapshot(note=note)
    return snapshot.pk


# The health tasks live with the flags they keep (kam.insights.health.tasks); named here with the
# rest of the app's scheduled work.
__all__ = ["nightly_health_task", "recompute_health_task", "rescan_health_task", "take_snapshot_task"]
