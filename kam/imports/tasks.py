"""Background work of the imports app, run by `kam db_worker` (django-tasks database backend):
the imports of long files (kam.imports.jobs)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation
from django_tasks import task

from kam.core.dbstats import refresh_statistics
from kam.imports import services
from kam.imports.models import ImportJob, ImportJobState

logger = logging.getLogger(__name__)


@task()
def run_import_job(job_id: int) -> None:
    """Import one stored upload."""
    run(job_id)


class Progress:
    """Saves how far a job has come. An import on PostgreSQL reports while its transaction holds
    the connection (it checks the rows as it writes them, kam.imports.services), where a save
    could not run and would not be seen before the commit: there the saves are made in a thread
    of their own, on its own connection, in the order reported. SQLite imports report outside
    the write, and a second connection would wait for the write's lock: saved in line."""

    def __init__(self, job_id: int) -> None:
        self.jobs = ImportJob.objects.filter(pk=job_id)
        self.saver = ThreadPoolExecutor(max_workers=1) if connection.vendor == "postgresql" else None
        self.counts: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.counts = {"done": done, "total": total}
        if self.saver is None:
            self.save(phase, done, total)
        else:
            self.saver.submit(self.save, phase, done, total)

    def save(self, phase: str, done: int, total: int) -> None:
        try:
            with transaction.atomic():
                # A job row locked by the importing connection (a run inside an outer
                # transaction) would make this save wait for the import, which waits for the
                # saves at its end: skipped instead.
                if self.jobs.select_for_update(skip_locked=True).values_list("pk", flat=True):
                    self.jobs.update(state=phase, done=done, total=total)
        except DatabaseError:  # progress only: the import goes on, and its end is saved anyway
            logger.exception("saving the progress of an import failed")

    def close(self) -> None:
        """Wait for the saves reported, then close the thread's connection."""
        if self.saver is not None:
            self.saver.submit(connections.close_all)
            self.saver.shutdown(wait=True)


def run(job_id: int) -> None:
    """Import a stored upload (the task's work). Progress is saved as it goes, outside the
    import's transaction (`Progress`), so the page polling it sees it; a failure is recorded and
    raised."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ImportJobState.QUEUED:
        return  # run already (a task delivered twice)
    jobs = ImportJob.objects.filter(pk=job.pk)
    jobs.update(state=ImportJobState.CHECKING)
    progress = Progress(job.pk)
    try:
        with translation.override(job.language or None):
            result = services.import_file(
                by=job.user,
                kind=job.kind,
                content=bytes(job.content),
                filename=job.filename,
                on_duplicate=job.on_duplicate,
                valid_only=job.valid_only,
                dry_run=job.dry_run,
                progress=progress,
            )
    except Exception as exc:
        progress.close()
        logger.exception("import %s failed", job.pk)
        message = "; ".join(m for ms in getattr(exc, "message_dict", {"": [str(exc)]}).values() for m in ms)
        jobs.update(
            state=ImportJobState.FAILED,
            error=message or type(exc).__name__,
            content=b"",
            finished_at=timezone.now(),
        )
        raise
    progress.close()
    jobs.update(
        **progress.counts,  # the last report's, should its own save have been skipped
        state=ImportJobState.DONE,
        result=result.as_json(),
        content=b"",
        finished_at=timezone.now(),
    )
    if not job.dry_run:
        # Thousands of new rows can change which index serves a list best (SQLite).
        refresh_statistics()
