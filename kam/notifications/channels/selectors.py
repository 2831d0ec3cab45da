"""Reads of the channels: who gets a notification on which channel, a manager's robots, the
delivery log, and what a weekly digest holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from kam.access.visibility import deliveries_for, team_channels_for
from kam.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    TeamChannel,
    default_enabled,
)
from kam.org.models import Team, User
from kam.org.visibility import managed_team_ids

ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


def preferences(user_id: int, kind: str) -> dict[str, bool]:
    """The user's explicit choices for `kind`, per channel (no row: no key)."""
    return dict(
        NotificationPreference.objects.filter(user_id=user_id, kind=kind).values_list("channel", "enabled")
    )


def email_wanted(choices: dict[str, bool], kind: str) -> bool:
    return choices.get(Channel.EMAIL, default_enabled(kind, Channel.EMAIL))


def robot_wanted(choices: dict[str, bool], kind: str, service: str) -> bool:
    """A team's robot posts the kinds its manager chose; a person who turned a robot channel off
    for a kind keeps their reminders of that kind out of the group."""
    return choices.get(service, default_enabled(kind, service))


def robots_for(team_id: int | None, kind: str) -> list[TeamChannel]:
    """The active robots of a team that post `kind` (kinds are a short JSON list: read in Python,
    since SQLite cannot look inside a JSON list)."""
    if team_id is None or kind == NotificationKind.DIGEST:
        return []
    rows = TeamChannel.objects.filter(team_id=team_id, is_active=True).order_by("id")
    return [row for row in rows if kind in (row.kinds or [])]


def team_channels(user: User) -> QuerySet[TeamChannel]:
    return (
        team_channels_for(user).select_related("team", "created_by").order_by("team__name", "service", "id")
    )


def configurable_teams(user: User) -> QuerySet[Team]:
    """Teams whose robots the user sets up: a manager's subtree, every team for directors."""
    if user.sees_everything:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=managed_team_ids(user)).order_by("name")


@dataclass(frozen=True)
class LogFilter:
    status: str = ""
    channel: str = ""
    team_channel_id: int | None = None


def delivery_log(user: User, filters: LogFilter) -> QuerySet[Delivery]:
    """The deliveries the user may read, newest first, with what each row shows joined in."""
    qs = deliveries_for(user).select_related("notification__recipient", "team_channel__team")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.team_channel_id is not None:
        qs = qs.filter(team_channel_id=filters.team_channel_id)
    return qs.order_by("-created_at", "-id")


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to the next Monday 00:00 in the site's time zone."""
    start = timezone.make_aware(dt.datetime.combine(week_start, dt.time.min))
    return start, start + dt.timedelta(days=7)


def digest_notifications(user_id: int, week_start: dt.date) -> list[Notification]:
    """The user's notifications of the week still unread (the digest itself left out)."""
    start, end = week_bounds(week_start)
    return list(
        Notification.objects.filter(
            recipient_id=user_id, read_at__isnull=True, created_at__gte=start, created_at__lt=end
        )
        .exclude(kind=NotificationKind.DIGEST)
        .order_by("-created_at", "-id")
    )


def digest_recipients(week_start: dt.date) -> QuerySet[User]:
    """Active users with an e-mail address and an unread notification of the week: one query."""
    start, end = week_bounds(week_start)
    unread = Notification.objects.filter(
        recipient_id=OuterRef("pk"), read_at__isnull=True, created_at__gte=start, created_at__lt=end
    ).exclude(kind=NotificationKind.DIGEST)
    return User.objects.filter(is_active=True).exclude(email="").filter(Exists(unread)).order_by("pk")
