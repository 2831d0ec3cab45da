"""The inbox over JSON: your notifications (filtered, paged), marking read, and your preferences
per kind and channel. A notification is its recipient's alone: anyone else's id is a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kam.core.api.helpers import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from kam.core.web import current_user
from kam.notifications import selectors, services
from kam.notifications.schemas import (
    MarkedReadOut,
    NotificationFiltersIn,
    NotificationListOut,
    NotificationOut,
    NotificationPreferencesIn,
    NotificationPreferencesOut,
)
from kam.notifications.texts import title_for_reader

router = Router(tags=["notifications"])


def _out(n: Any) -> dict[str, Any]:
    return NotificationOut.build(n, title_for_reader(n.kind, n.params, n.title, n.title_en))


def _preferences(user: Any) -> dict[str, Any]:
    return {
        "items": [
            {"kind": c.kind, "channel": c.channel, "enabled": c.enabled, "is_default": c.is_default}
            for row in selectors.preferences(user)
            for c in row.cells
        ]
    }


@router.get("", response={200: NotificationListOut, **LIST_ERRORS})
def list_notifications(request: HttpRequest, filters: Query[NotificationFiltersIn]) -> dict[str, Any]:
    """Your notifications, newest first."""
    user = current_user(request)
    qs = selectors.inbox(user, state=filters.state, kind=filters.kind.value if filters.kind else "")
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"count": count, "unread": selectors.unread_count(user), "items": [_out(n) for n in page]}


@router.post("/read-all", response={200: MarkedReadOut})
def mark_all_read(request: HttpRequest) -> dict[str, Any]:
    """Mark every unread notification of yours read."""
    return {"marked": services.mark_all_read(current_user(request))}


@router.get("/preferences", response={200: NotificationPreferencesOut})
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """Every kind × channel, with your choice or the default."""
    return _preferences(current_user(request))


@router.put("/preferences", response={200: NotificationPreferencesOut, **WRITE_ERRORS})
def put_preferences(request: HttpRequest, payload: NotificationPreferencesIn) -> dict[str, Any]:
    """Set the pairs sent; pairs left out keep their setting."""
    user = current_user(request)
    services.set_preferences(user, {(i.kind.value, i.channel.value): i.enabled for i in payload.items})
    return _preferences(user)


@router.get("/{int:notification_id}", response={200: NotificationOut, **READ_ERRORS})
def get_notification(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    return _out(selectors.get_own_notification(current_user(request), notification_id))


@router.post("/{int:notification_id}/read", response={200: NotificationOut, **READ_ERRORS})
def mark_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    """Mark one of your notifications read (a read one keeps its time)."""
    user = current_user(request)
    notification = selectors.get_own_notification(user, notification_id)
    services.mark_read(user, notification)
    return _out(notification)
