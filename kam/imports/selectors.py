"""Reads of the imports app: the background imports a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from kam.imports.models import ImportJob
from kam.org.models import Role, User


def jobs_for(user: User) -> QuerySet[ImportJob]:
    """The uploader sees their own imports; administrators see everyone's."""
    jobs = ImportJob.objects.defer("content")
    if user.is_superuser or user.role == Role.ADMIN:
        return jobs
    return jobs.filter(user=user)
