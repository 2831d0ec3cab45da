"""What the channels send, written from a notification's stored titles (or, for the weekly digest,
from the week's unread notifications) in the language outbound messages use: the site's
LANGUAGE_CODE, since a team's group or a mailbox has no language of its own in kam."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kam.notifications.channels.webhooks import Message
from kam.notifications.models import Notification, NotificationKind


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class DigestGroup:
    kind: str
    label: str
    items: list[Notification]


def outbound_language() -> str:
    return settings.LANGUAGE_CODE


def absolute(url: str) -> str:
    """A link people can open from a chat or a mailbox; without KAM_BASE_URL a path is no link."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = settings.KAM_BASE_URL
    return f"{base}{url}" if base else ""


def _title(notification: Notification) -> str:
    english = (translation.get_language() or "").startswith("en")
    if english and notification.title_en:
        return notification.title_en
    return notification.title


def notification_message(notification: Notification) -> Message:
    """A group robot's message: the title, what kind of reminder it is and for whom."""
    with translation.override(outbound_language()):
        kind = NotificationKind(notification.kind).label if notification.kind in NotificationKind else ""
        text = _("%(kind)s · for %(person)s") % {"kind": kind, "person": str(notification.recipient)}
        return Message(title=_title(notification), text=text, url=absolute(notification.url))


def notification_email(notification: Notification) -> Email:
    with translation.override(outbound_language()):
        context = {
            "title": _title(notification),
            "kind": NotificationKind(notification.kind).label
            if notification.kind in NotificationKind
            else "",
            "url": absolute(notification.url),
            "recipient": notification.recipient,
        }
        return Email(
            subject=_("[kam] %(title)s") % {"title": context["title"]},
            text=render_to_string("notifications/channels/email.txt", context),
            html=render_to_string("notifications/channels/email.html", context),
        )


def group_by_kind(notifications: Iterable[Notification]) -> list[DigestGroup]:
    """The digest's sections: one per kind, in the kinds' order, each newest first."""
    by_kind: dict[str, list[Notification]] = {}
    for item in notifications:
        by_kind.setdefault(item.kind, []).append(item)
    order = [kind for kind in NotificationKind.values if kind in by_kind] + sorted(
        kind for kind in by_kind if kind not in NotificationKind.values
    )
    return [
        DigestGroup(
            kind=kind,
            label=str(NotificationKind(kind).label) if kind in NotificationKind.values else kind,
            items=by_kind[kind],
        )
        for kind in order
    ]


def digest_email(
    recipient_name: str, week_start: dt.date, notifications: list[Notification], inbox_url: str
) -> Email:
    with translation.override(outbound_language()):
        groups = group_by_kind(notifications)
        context = {
            "name": recipient_name,
            "week_start": week_start,
            "week_end": week_start + dt.timedelta(days=6),
            "groups": [
                {
                    "label": group.label,
                    "items": [{"title": _title(n), "url": absolute(n.url)} for n in group.items],
                }
                for group in groups
            ],
            "count": len(notifications),
            "inbox_url": absolute(inbox_url),
        }
        return Email(
            subject=_("[kam] Your week from %(start)s: %(count)d unread")
            % {"start": week_start.isoformat(), "count": len(notifications)},
            text=render_to_string("notifications/channels/digest.txt", context),
            html=render_to_string("notifications/channels/digest.html", context),
        )
