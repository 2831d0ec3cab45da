"""API shapes of a team's group robots and of the delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Offset, TextSafeSchema
from kam.notifications.channels.services import ROBOT_KINDS, SECRET_MAX, URL_MAX
from kam.notifications.models import Channel, DeliveryStatus, NotificationKind, RobotService

KINDS_DOC = "The reminder kinds the robot posts: " + ", ".join(ROBOT_KINDS) + "."


class TeamChannelOut(Schema):
    id: int
    team_id: int
    team: str
    service: str = Field(..., description="wecom, dingtalk or feishu.")
    webhook_url: str = Field(..., description="The robot's address (it holds the robot's key).")
    webhook_host: str
    signed: bool = Field(..., description="Whether a signing secret is stored (never returned).")
    kinds: list[str] = Field(..., description=KINDS_DOC)
    is_active: bool
    created_at: dt.datetime
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")


class TeamChannelListOut(Schema):
    items: list[TeamChannelOut]
    count: int


class TeamChannelCreateIn(InputSchema):
    team_id: int = Field(..., ge=1, le=2**31 - 1, description="A team you manage.")
    service: RobotService
    webhook_url: str = Field(..., min_length=1, max_length=URL_MAX)
    secret: str = Field("", max_length=SECRET_MAX, description="DingTalk / Feishu signing secret (加签).")
    kinds: list[NotificationKind] = Field(
        ..., min_length=1, max_length=len(ROBOT_KINDS), description=KINDS_DOC
    )
    is_active: bool = True


class TeamChannelUpdateIn(InputSchema):
    """Only the fields sent change; the team of a robot does not."""

    service: RobotService | None = None
    webhook_url: str | None = Field(None, min_length=1, max_length=URL_MAX)
    secret: str | None = Field(None, max_length=SECRET_MAX, description="An empty string removes the secret.")
    kinds: list[NotificationKind] | None = Field(None, min_length=1, max_length=len(ROBOT_KINDS))
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    channel: str
    address: str = Field(..., description="The e-mail address, or the robot's host.")
    status: str = Field(..., description="queued, sent or failed.")
    attempts: int
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    notification_id: int | None = Field(None, description="None for a robot's test message.")
    kind: str | None = None
    recipient_id: int | None = None
    team_channel_id: int | None = None

    @staticmethod
    def build(row: Any) -> dict[str, Any]:
        notification = row.notification
        return {
            "id": row.pk,
            "channel": row.channel,
            "address": row.address,
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "created_at": row.created_at,
            "sent_at": row.sent_at,
            "notification_id": row.notification_id,
            "kind": notification.kind if notification else None,
            "recipient_id": notification.recipient_id if notification else None,
            "team_channel_id": row.team_channel_id,
        }


class DeliveryListOut(Schema):
    items: list[DeliveryOut]
    count: int


class DeliveryFiltersIn(TextSafeSchema):
    status: DeliveryStatus | None = None
    channel: Channel | None = None
    team_channel_id: int | None = Field(None, ge=1, le=2**31 - 1)
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")
