"""The win-probability model retrained in the background (django-tasks; `kam db_worker` runs it).

Schedule it once a night, after the day's closes, so the predictions start each day fresh. With
cron, on the server where kam runs (same environment variables as the web process)::

    # m h dom mon dow  command
    30 2 * * *  cd /srv/kam && .venv/bin/kam learn

or with a systemd timer (`OnCalendar=*-*-* 02:30`) running `kam learn`. Where a django-tasks
worker runs, enqueue `train_task` instead (the admin page's button does); it takes no arguments.
Each run is a new model version; the one before stays, with its predictions, for comparison.
"""

from __future__ import annotations

from django_tasks import task

from kam.insights.learning.winprob.services import train


@task()
def train_task() -> int:
    """Train, backtest and store a new version; returns its version number."""
    return train().version
