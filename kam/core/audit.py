"""The generic audit trail (django-auditlog): who is acting, and the writes auditlog cannot see.

auditlog logs a registered model's `save()` and `delete()` through signals. kam writes most edits
with a conditional UPDATE (`versioned_update`), which sends no signal, so that path logs here; and
an API token signs its user in inside the view, after auditlog's middleware has run, so the
middleware here reads the user only when an entry is written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import auditlog_disabled, auditlog_value, set_actor
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the actor read when the first entry is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)

    def get_extra_data(self, request: HttpRequest) -> dict[str, Any]:
        data = super().get_extra_data(request)
        data["actor"] = SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))
        return data


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute the entries written inside to `user` (commands, admin actions, services)."""
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = None
    try:
        with set_actor(user, remote_addr=(outer or {}).get("remote_addr")):
            yield
    finally:
        # set_actor leaves its own context behind; the request's must apply again after it.
        if outer is not None:
            auditlog_value.set(outer)


def disabled() -> bool:
    try:
        return bool(auditlog_disabled.get())
    except LookupError:
        return False


def log_update(instance: models.Model, previous: dict[str, Any]) -> None:
    """Log an UPDATE written without `save()`: `previous` holds the changed fields' old values."""
    if disabled() or not auditlog.contains(type(instance)):
        return
    old = copy.copy(instance)
    old._state = copy.copy(instance._state)
    old._state.fields_cache = dict(instance._state.fields_cache)
    for name, value in previous.items():
        setattr(old, name, value)
    changes = model_instance_diff(old, instance)
    if changes:
        LogEntry.objects.log_create(instance, action=LogEntry.Action.UPDATE, changes=changes)
