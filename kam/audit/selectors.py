"""Reads of the audit trail: auditlog's entries across kam, filtered, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignObjectRel, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.org.models import User

PAGE_SIZE = 50
MAX_CHANGES_SHOWN = 300


@dataclass
class AuditFilters:
    actor: int | None = None
    record_type: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


def record_types() -> list[tuple[int, str]]:
    """The logged models, as (content type id, name in the reader's language)."""
    types = ContentType.objects.get_for_models(*auditlog.get_models())
    return sorted(((ct.pk, str(model._meta.verbose_name)) for model, ct in types.items()), key=lambda t: t[1])


def actors() -> list[tuple[int, str]]:
    return [(user.pk, str(user)) for user in User.objects.order_by("name", "username")]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entries(filters: AuditFilters) -> QuerySet[LogEntry]:
    qs = LogEntry.objects.select_related("actor", "content_type")
    if filters.actor:
        qs = qs.filter(actor_id=filters.actor)
    if filters.record_type:
        qs = qs.filter(content_type_id=filters.record_type)
    if filters.date_from:
        qs = qs.filter(timestamp__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(timestamp__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    text = filters.q.strip()
    if text:
        match = Q(object_repr__icontains=text) | Q(changes_text__icontains=text)
        if text.lstrip("#").isdigit() and len(text) < 19:
            match |= Q(object_id=int(text.lstrip("#")))
        qs = qs.filter(match)
    return qs.order_by("-timestamp", "-id")


def action_label(entry: LogEntry) -> str:
    if isinstance(entry.additional_data, dict) and entry.additional_data.get("erasure"):
        return _("Erasure")
    return {
        LogEntry.Action.CREATE: pgettext("audit action", "Created"),
        LogEntry.Action.UPDATE: pgettext("audit action", "Changed"),
        LogEntry.Action.DELETE: pgettext("audit action", "Deleted"),
    }.get(entry.action, pgettext("audit action", "Read"))


def record_type_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


def who(entry: LogEntry) -> str:
    if entry.actor is not None:
        return str(entry.actor)
    return entry.actor_email or _("(system or command line)")


def changes_text(entry: LogEntry) -> str:
    """The entry's changes as one line. Related records come first: a reverse relation holds a
    fact only where an import's deal entry names its deal team and key contacts there; elsewhere
    it is auditlog's text of an empty related manager (`app.Model.None`), which is left out."""
    changes: Any = entry.changes if isinstance(entry.changes, dict) else {}
    model = entry.content_type.model_class()
    related: list[str] = []
    own: list[str] = []
    for field, values in changes.items():
        name, relation = field, None
        if model is not None:
            try:
                found = model._meta.get_field(field)
                if isinstance(found, ForeignObjectRel):
                    relation = found.related_model._meta
                    name = str(relation.verbose_name_plural)
                else:
                    name = str(found.verbose_name)
            except Exception:  # a field that no longer exists keeps its raw name
                name = field
        pair = isinstance(values, list) and len(values) == 2
        if relation is not None and pair and values[1] == f"{relation.label}.None":
            continue
        part = f"{name}: {values[0]} → {values[1]}" if pair else f"{name}: {values}"
        (own if relation is None else related).append(part)
    text = "; ".join(related + own)
    return text if len(text) <= MAX_CHANGES_SHOWN else text[: MAX_CHANGES_SHOWN - 1] + "…"


@dataclass
class Row:
    entry: LogEntry
    when: dt.datetime
    who: str
    action: str
    record_type: str
    record_id: str
    label: str
    changes: str


def rows(page: Any) -> list[Row]:
    return [
        Row(
            entry=entry,
            when=entry.timestamp,
            who=who(entry),
            action=action_label(entry),
            record_type=record_type_label(entry),
            record_id=entry.object_pk,
            label=entry.object_repr,
            changes=changes_text(entry),
        )
        for entry in page
    ]
