"""Long imports run in the background: the upload is stored as an ImportJob, a task
(kam.imports.tasks) imports it with `services.import_file` and records how far it has come and,
at the end, the same result an import in the request shows. Short files keep importing in the
request (`in_background`). All-or-nothing holds as in the request: the rows are written in one
transaction, so a failed task leaves nothing half-written.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from kam.access import permissions
from kam.imports import services
from kam.imports.columns import COLUMNS
from kam.imports.models import ImportJob
from kam.imports.tasks import run_import_job
from kam.org.models import User

# Files with more data rows than this are imported in the background.
BACKGROUND_ROWS = 2000


def count_rows(content: bytes, filename: str) -> int:
    """About how many rows the file holds (header included), without reading its cells."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True)
            rows = workbook.worksheets[0].max_row
            workbook.close()
        except Exception:  # an unreadable file: the import in the request says so
            return 0
        return int(rows or 0)
    return content.count(b"\n")


def in_background(content: bytes, filename: str) -> bool:
    return count_rows(content, filename) - 1 > BACKGROUND_ROWS


def start(
    *,
    by: User,
    kind: str,
    content: bytes,
    filename: str,
    on_duplicate: str = "refuse",
    valid_only: bool = False,
    dry_run: bool = False,
) -> ImportJob:
    """Store the upload and queue its import (once the stored job is committed)."""
    permissions.check_import(by)
    if kind not in COLUMNS:
        raise ValidationError({"kind": [_("Choose customers, contacts or opportunities.")]})
    if on_duplicate not in services.DUPLICATE_CHOICES:
        raise ValidationError({"on_duplicate": [_("Choose update or refuse.")]})
    job = ImportJob.objects.create(
        user=by,
        kind=kind,
        filename=filename[:255],
        content=content,
        on_duplicate=on_duplicate,
        valid_only=valid_only,
        dry_run=dry_run,
        language=translation.get_language() or "",
        total=max(count_rows(content, filename) - 1, 0),
    )
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def result_of(job: ImportJob) -> services.ImportResult | None:
    """The stored result of a finished job (None while it runs or when it failed)."""
    return services.ImportResult.from_json(job.result) if job.result else None
