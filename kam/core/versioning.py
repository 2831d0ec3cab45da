"""Optimistic locking: a write names the version it read; a stale version is a conflict."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F

from kam.core.errors import ConflictError


def versioned_update(instance: models.Model, expected_version: int | None, **fields: Any) -> None:
    """Write `fields` only if the row still has `expected_version`; bump the version.

    The conditional UPDATE is what makes this safe under READ COMMITTED and on SQLite alike:
    two writers with the same version cannot both match the WHERE clause.
    """
    model = type(instance)
    version = instance.version if expected_version is None else expected_version  # type: ignore[attr-defined]
    updated = model._default_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if updated == 0:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise ConflictError(current_version=current)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = version + 1  # type: ignore[attr-defined]
