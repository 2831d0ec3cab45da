"""Writes of the channels: a team's group robots (set up by the team's manager) and their test
message. Each function is one transaction and checks the permission itself."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.versioning import versioned_update
from kam.notifications.channels import content, webhooks
from kam.notifications.channels.errors import SendError
from kam.notifications.models import (
    Delivery,
    DeliveryStatus,
    NotificationKind,
    RobotService,
    TeamChannel,
)
from kam.org.models import Team, User

# A robot posts reminders; the weekly digest is one person's e-mail, never a group's message.
ROBOT_KINDS = tuple(kind for kind in NotificationKind.values if kind != NotificationKind.DIGEST)
URL_MAX = TeamChannel._meta.get_field("webhook_url").max_length or 500
SECRET_MAX = TeamChannel._meta.get_field("secret").max_length or 200


def _clean(service: str, webhook_url: str, secret: str, kinds: Iterable[str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if service not in RobotService.values:
        errors["service"] = [_("Choose WeCom, DingTalk or Feishu.")]
    url = (webhook_url or "").strip()
    try:
        webhooks.check_url(url)
    except SendError:
        errors["webhook_url"] = [_("Enter the robot's webhook address (http:// or https://).")]
    if len(url) > URL_MAX:
        errors["webhook_url"] = [_("The webhook address is too long.")]
    secret = (secret or "").strip()
    if len(secret) > SECRET_MAX:
        errors["secret"] = [_("The signing secret is too long.")]
    chosen = list(dict.fromkeys(kinds))
    unknown = [kind for kind in chosen if kind not in ROBOT_KINDS]
    if unknown:
        errors["kinds"] = [_("Unknown kinds: %(kinds)s") % {"kinds": ", ".join(unknown)}]
    elif not chosen:
        errors["kinds"] = [_("Choose at least one kind of reminder to post.")]
    if errors:
        raise ValidationError(errors)
    # Stored in the kinds' own order, so two forms choosing the same kinds store the same list.
    return {
        "service": service,
        "webhook_url": url,
        "secret": secret,
        "kinds": [kind for kind in ROBOT_KINDS if kind in chosen],
    }


def create_team_channel(
    *,
    by: User,
    team: Team,
    service: str,
    webhook_url: str,
    secret: str = "",
    kinds: Iterable[str],
    is_active: bool = True,
) -> TeamChannel:
    permissions.check_configure_team_channels(by, team)
    values = _clean(service, webhook_url, secret, kinds)
    with transaction.atomic():
        return TeamChannel.objects.create(team=team, is_active=is_active, created_by=by, **values)


def update_team_channel(
    channel: TeamChannel, *, by: User, version: int | None, **changes: Any
) -> TeamChannel:
    """Change the fields given (service, webhook_url, secret, kinds, is_active); a stale `version`
    is a conflict. An empty `secret` in `changes` keeps the stored one only if `keep_secret`."""
    permissions.check_configure_team_channels(by, channel.team)
    keep_secret = changes.pop("keep_secret", False)
    values = _clean(
        changes.get("service", channel.service),
        changes.get("webhook_url", channel.webhook_url),
        channel.secret
        if keep_secret and not changes.get("secret")
        else changes.get("secret", channel.secret),
        changes.get("kinds", channel.kinds),
    )
    if "is_active" in changes:
        values["is_active"] = bool(changes["is_active"])
    with transaction.atomic():
        versioned_update(channel, version, **values)
    return channel


def delete_team_channel(channel: TeamChannel, *, by: User) -> None:
    """The robot goes; its deliveries stay in the log (their link to it is cleared)."""
    permissions.check_configure_team_channels(by, channel.team)
    with transaction.atomic():
        TeamChannel.objects.filter(pk=channel.pk).delete()


def test_message(channel: TeamChannel, by: User) -> webhooks.Message:
    with translation.override(content.outbound_language()):
        return webhooks.Message(
            title=_("kam test message"),
            text=_("%(person)s set up this robot for the team %(team)s: reminders will arrive here.")
            % {"person": str(by), "team": channel.team.name},
            url=content.absolute("/"),
        )


def send_test(channel: TeamChannel, *, by: User) -> Delivery:
    """Post a test message to the robot now (not queued: the manager waits for the answer) and
    log it; returns the delivery, sent or failed with the robot's error."""
    permissions.check_configure_team_channels(by, channel.team)
    message = test_message(channel, by)
    error = ""
    try:
        webhooks.send(
            channel.service,
            channel.webhook_url,
            channel.secret,
            message,
            timeout=settings.KAM_WEBHOOK_TIMEOUT,
        )
    except SendError as failure:
        error = str(failure)
    with transaction.atomic():
        return Delivery.objects.create(
            channel=channel.service,
            team_channel=channel,
            address=webhooks.host_of(channel.webhook_url),
            status=DeliveryStatus.FAILED if error else DeliveryStatus.SENT,
            attempts=1,
            last_error=error[:1000],
            sent_at=None if error else timezone.now(),
        )
