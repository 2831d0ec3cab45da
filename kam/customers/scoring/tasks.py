"""Background work of the customers app, run by `kam db_worker` (django-tasks database backend).

Scores drift with time as well as with edits (the 12-month windows move), so schedule a nightly
full recompute besides the on-change ones, e.g. with cron::

    30 2 * * *  cd /srv/kam && .venv/bin/kam rescore
"""

from __future__ import annotations

from django_tasks import task

from kam.customers.scoring import engine as scoring


@task()
def rescore_customers_task(customer_ids: list[int] | None = None) -> int:
    """Recompute the scores of the given customers (all when None); returns how many were scored."""
    return scoring.rescore(customer_ids)
