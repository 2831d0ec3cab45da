"""Background work of the imports app, run by `kam db_worker` (django-tasks database backend):
the imports of long files (kam.imports.jobs)."""

from __future__ import annotations

import logging

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


def run(job_id: int) -> None:
    """Import a stored upload (the task's work). Progress is saved as it goes, outside the
    import's transaction, so the page polling it sees it; a failure is recorded and raised."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ImportJobState.QUEUED:
        return  # run already (a task delivered twice)
    jobs = ImportJob.objects.filter(pk=job.pk)
    jobs.update(state=ImportJobState.CHECKING)

    def progress(phase: str, done: int, total: int) -> None:
        jobs.update(state=phase, done=done, total=total)

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
        logger.exception("import %s failed", job.pk)
        message = "; ".join(m for ms in getattr(exc, "message_dict", {"": [str(exc)]}).values() for m in ms)
        jobs.update(
            state=ImportJobState.FAILED,
            error=message or type(exc).__name__,
            content=b"",
            finished_at=timezone.now(),
        )
        raise
    jobs.update(
        state=ImportJobState.DONE,
        result=result.as_json(),
        content=b"",
        finished_at=timezone.now(),
    )
    if not job.dry_run:
        # Thousands of new rows can change which index serves a list best (SQLite).
        refresh_statistics()
