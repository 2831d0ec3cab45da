"""Rescores on request, and the background work of the customers app, run by `kam db_worker` (django-tasks database backend).

Scores drift with time as well as with edits (the 12-month windows move), so schedule a nightly
full recompute besides the on-change ones, e.g. with cron::

    30 2 * * *  cd /srv/kam && .venv/bin/kam rescore
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import transaction
from django_tasks import task

from kam.core.deferred import DeferredRecomputes
from kam.customers.scoring import engine as scoring
from kam.customers.scoring.engine import SYNC_LIMIT


@task()
def rescore_customers_task(customer_ids: list[int] | None = None) -> int:
    """Recompute the scores of the given customers (all when None); returns how many were scored."""
    return scoring.rescore(customer_ids)


def request_rescore(customer_ids: Iterable[int] | None = None) -> None:
    """Ask for a recompute after a change to its inputs.

    A few customers are rescored now, inside the caller's transaction, so the change and its new
    tier commit together; many customers (or all: None) go to the background worker once the
    caller's transaction commits, so the worker reads the committed data.
    """
    ids = None if customer_ids is None else sorted({int(i) for i in customer_ids if i})
    if _deferred.gather(ids):
        return
    if ids is not None and len(ids) <= SYNC_LIMIT:
        scoring.rescore(ids)
        return
    transaction.on_commit(lambda: rescore_customers_task.enqueue(ids))


# For bulk writes (the demo, imports): a thousand stage moves at one customer would otherwise
# rescore it a thousand times. `with rescores_deferred():` rescores each customer once at the end.
_deferred = DeferredRecomputes(
    "kam_deferred_rescores",
    recompute=lambda ids: scoring.rescore(ids),
    recompute_all=lambda: scoring.rescore(),
)
rescores_deferred = _deferred.deferred


def rescores_requested() -> AbstractContextManager[None]:
    """Like `rescores_deferred`, but what was gathered is asked for once at the end as any write
    asks (`request_rescore`): a few customers now, many by the background worker once the
    transaction commits. An import of 20,000 deals touches a thousand customers; rescoring them
    inside the import was 7 % of its time."""
    return _deferred.deferred(then=request_rescore)


def on_score_inputs_changed(sender: Any, *, customer_ids: Iterable[int], **kwargs: Any) -> None:
    """A deal changed something its customer's score reads (kam.opportunities.signals)."""
    request_rescore(customer_ids)
