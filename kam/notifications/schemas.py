"""The inbox over JSON: a notification, a page of them, and the preferences per kind and channel."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Offset, TextSafeSchema
from kam.notifications.models import Channel, Notification, NotificationKind


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str = Field(..., description="In the reader's language (Accept-Language).")
    params: dict[str, Any] = Field(..., description="What the title is written from.")
    url: str = Field(..., description="The page of the record it is about.")
    record_label: str
    record_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def build(n: Notification, title: str) -> dict[str, Any]:
        return {
            "id": n.pk,
            "kind": n.kind,
            "kind_label": str(n.get_kind_display()),
            "title": title,
            "params": n.params,
            "url": n.url,
            "record_label": n.record_label,
            "record_id": n.record_id,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }


class NotificationListOut(Schema):
    count: int
    unread: int = Field(..., description="Your unread notifications, whatever the filters.")
    items: list[NotificationOut]


class NotificationFiltersIn(TextSafeSchema):
    state: Literal["all", "unread", "read"] = "all"
    kind: NotificationKind | None = None
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class MarkedReadOut(Schema):
    marked: int = Field(..., description="How many notifications were marked read.")


class NotificationPreferenceOut(Schema):
    kind: str
    channel: str
    enabled: bool
    is_default: bool = Field(..., description="No choice stored: the default applies.")


class NotificationPreferencesOut(Schema):
    items: list[NotificationPreferenceOut]


class NotificationPreferenceIn(InputSchema):
    kind: NotificationKind
    channel: Channel
    enabled: bool


class NotificationPreferencesIn(InputSchema):
    items: list[NotificationPreferenceIn] = Field(
        ..., max_length=len(NotificationKind.values) * len(Channel.values)
    )
