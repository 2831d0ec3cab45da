"""Asking for stored flags to be recomputed, and the background tasks that do it (django-tasks;
`kam db_worker` runs them). Scheduling is described in kam.insights.tasks.

A few opportunities are recomputed now, inside the writing transaction, so a change and its
flags commit together; many (or all) go to the worker once the transaction commits, so it reads
the committed data. `recomputes_deferred()` gathers the requests of a bulk write (the demo)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

from kam.core.deferred import DeferredRecomputes
from kam.insights.health import store
from kam.insights.models import HealthScan
from kam.org.models import User

# Up to this many opportunities are recomputed inside the writing transaction; more go to the worker.
SYNC_LIMIT = 100


@task()
def recompute_health_task(opportunity_ids: list[int]) -> int:
    """Recompute these opportunities' stored flags; returns how many changed."""
    return store.recompute(opportunity_ids)


@task()
def rescan_health_task(scan_id: int | None = None) -> int:
    """Recompute every opportunity's stored flags, progress in HealthScan `scan_id`; returns the count."""
    scan = HealthScan.objects.filter(pk=scan_id).first() if scan_id else None
    return store.rescan(scan).processed


@task()
def nightly_health_task() -> int:
    """The nightly pass over the opportunities a date threshold crossed; returns how many it recomputed."""
    _scan, ids = store.nightly()
    return len(ids)


# Looked up when run (not bound now), so the engine can be replaced in tests.
# A bulk write (the demo) gathers its requests: `with recomputes_deferred():` recomputes each
# opportunity once at the end, or rescans once when a request asked for everything.
_deferred = DeferredRecomputes(
    "kam_deferred_health", recompute=lambda ids: store.recompute(ids), recompute_all=lambda: store.rescan()
)
recomputes_deferred = _deferred.deferred


def request_recompute(ids: Iterable[int]) -> None:
    pks = sorted({int(pk) for pk in ids if pk})
    if not pks:
        return
    if _deferred.gather(pks):
        return
    if len(pks) <= SYNC_LIMIT:
        store.recompute(pks)
        return
    transaction.on_commit(lambda: recompute_health_task.enqueue(pks))


def request_rescan(by: User | None = None) -> HealthScan:
    """A full rescan in the background, enqueued when the caller's transaction commits. One still
    queued is returned instead of a second: it reads the rules when it starts. One already running
    read them before this request, so another is queued behind it."""
    if _deferred.gather(None):
        return HealthScan(kind=HealthScan.Kind.RESCAN)
    queued = (
        HealthScan.objects.filter(kind=HealthScan.Kind.RESCAN, state=HealthScan.State.QUEUED)
        .order_by("-pk")
        .first()
    )
    if queued is not None:
        return queued
    scan = HealthScan.objects.create(kind=HealthScan.Kind.RESCAN, requested_by=by)
    transaction.on_commit(lambda: rescan_health_task.enqueue(scan.pk))
    return scan
