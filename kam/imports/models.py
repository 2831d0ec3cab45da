"""A long import, run by a background task: the stored upload, its progress and its result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    CHECKING = "checking", _("checking the rows")
    WRITING = "writing", _("saving")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """One uploaded file imported in the background; seen by the user who uploaded it (and
    administrators). `content` is dropped once the import has finished."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20)
    filename = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(editable=False)
    on_duplicate = models.CharField(max_length=10, default="refuse")
    valid_only = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    # The uploader's language: the task writes the row errors in it.
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows checked"), default=0)
    result = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def active(self) -> bool:
        return self.state in (ImportJobState.QUEUED, ImportJobState.CHECKING, ImportJobState.WRITING)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0
