"""Optimistic locking: a write names the version it read; a stale version is a conflict."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F

from kam.core import audit
from kam.core.errors import ConflictError
from kam.core.pinyin import refreshed_keys

_MISSING = object()


def _attname(model: type[models.Model], name: str) -> str:
    """The column's attribute (`reports_to_id` for `reports_to`): read without loading the row."""
    try:
        return model._meta.get_field(name).attname  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return name


def versioned_update(instance: models.Model, expected_version: int | None, **fields: Any) -> None:
    """Write `fields` only if the row still has `expected_version`; bump the version.

    Fields equal to the instance's values are not written, and if none differ the version is only
    checked, not bumped.

    The conditional UPDATE is what makes this safe under READ COMMITTED and on SQLite alike:
    two writers with the same version cannot both match the WHERE clause.
    """
    model = type(instance)
    version = instance.version if expected_version is None else expected_version  # type: ignore[attr-defined]
    rows = model._default_manager.filter(pk=instance.pk, version=version)
    changed = {name: value for name, value in fields.items() if getattr(instance, name, _MISSING) != value}
    if changed:
        # A renamed record is found by its new name's pinyin (an UPDATE skips the key's pre_save).
        changed.update(refreshed_keys(model, instance, changed))
    # A write that changes nothing keeps the version: other editors' copies are still current.
    updated = rows.update(version=F("version") + 1, **changed) if changed else int(rows.exists())
    if updated == 0:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise ConflictError(current_version=current)
    if changed:
        previous = {_attname(model, name): getattr(instance, _attname(model, name)) for name in changed}
        for name, value in changed.items():
            setattr(instance, name, value)
        instance.version = version + 1  # type: ignore[attr-defined]
        audit.log_update(instance, previous)


def require_version(instance: models.Model, expected_version: int | None) -> None:
    """Refuse a stale copy before any rule looks at it.

    A status rule read off a copy someone else has since moved would answer "not a next step"
    where the truth is "changed by someone else": the version is checked first so the user sees
    the conflict and reloads.
    """
    current = instance.version  # type: ignore[attr-defined]
    if expected_version is not None and current != expected_version:
        raise ConflictError(current_version=current)
