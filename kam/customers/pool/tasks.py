"""Scheduled work of the public pool.

`pool_pass_task()` runs the daily pass (kam.customers.pool.services.run_pass): it warns owners of
customers entering their warning window, returns due customers to the pool and files the return
requests of key customers for their managers. Schedule it once a day, shortly after midnight::

    10 0 * * *  cd /srv/kam && .venv/bin/kam pool run

or, where a django-tasks worker runs (`kam db_worker`), enqueue this task (`kam pool run --background`).
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kam.customers.pool.services import run_pass


@task()
def pool_pass_task() -> dict[str, Any]:
    """Run today's pass; returns how many customers each step touched."""
    result = run_pass()
    return {name: len(ids) for name, ids in vars(result).items()}
