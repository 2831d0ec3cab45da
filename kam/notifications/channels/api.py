"""A team's group robots and the delivery log over JSON: the same services as the pages
(kam.notifications.channels.services); mounted at /api/v1/ by kam.api."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import get_visible_team_channel
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    set_etag,
)
from kam.core.web import current_user
from kam.notifications.channels import selectors, services, webhooks
from kam.notifications.channels.schemas import (
    DeliveryFiltersIn,
    DeliveryListOut,
    DeliveryOut,
    TeamChannelCreateIn,
    TeamChannelListOut,
    TeamChannelOut,
    TeamChannelUpdateIn,
)
from kam.notifications.models import TeamChannel
from kam.org.models import User

router = Router(tags=["notification channels"])


def _out(channel: TeamChannel) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "team_id": channel.team_id,
        "team": channel.team.name,
        "service": channel.service,
        "webhook_url": channel.webhook_url,
        "webhook_host": webhooks.host_of(channel.webhook_url),
        "signed": bool(channel.secret),
        "kinds": list(channel.kinds),
        "is_active": channel.is_active,
        "created_at": channel.created_at,
        "version": channel.version,
    }


def _body(channel: TeamChannel, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, channel.version)
    return _out(channel)


def _require_configurer(user: User) -> None:
    if not permissions.may_configure_team_channels(user):
        raise PermissionDenied(_("Only a manager of the team configures its group robots."))


@router.get("/team-channels", response={200: TeamChannelListOut, 403: ErrorOut})
def list_team_channels(request: HttpRequest) -> dict[str, Any]:
    """The group robots of the teams you manage (every team's for a director)."""
    user = current_user(request)
    _require_configurer(user)
    items = [_out(channel) for channel in selectors.team_channels(user)]
    return {"items": items, "count": len(items)}


@router.post("/team-channels", response={201: TeamChannelOut, 403: ErrorOut, **WRITE_ERRORS})
def create_team_channel(request: HttpRequest, response: HttpResponse, payload: TeamChannelCreateIn) -> Status:
    """Add a robot to a team you manage."""
    user = current_user(request)
    _require_configurer(user)
    team = selectors.configurable_teams(user).filter(pk=payload.team_id).first()
    if team is None:
        raise PermissionDenied(_("Only a manager of the team configures its group robots."))
    channel = services.create_team_channel(
        by=user,
        team=team,
        service=payload.service.value,
        webhook_url=payload.webhook_url,
        secret=payload.secret,
        kinds=[kind.value for kind in payload.kinds],
        is_active=payload.is_active,
    )
    return Status(201, _body(get_visible_team_channel(user, channel.pk), response))


@router.get("/team-channels/{int:team_channel_id}", response={200: TeamChannelOut, **READ_ERRORS})
def get_team_channel(request: HttpRequest, response: HttpResponse, team_channel_id: int) -> dict[str, Any]:
    """One robot; the ETag header carries its version for the next write's If-Match."""
    return _body(get_visible_team_channel(current_user(request), team_channel_id), response)


@router.patch(
    "/team-channels/{int:team_channel_id}",
    response={200: TeamChannelOut, 403: ErrorOut, **VERSIONED_WRITE_ERRORS},
)
def update_team_channel(
    request: HttpRequest, response: HttpResponse, team_channel_id: int, payload: TeamChannelUpdateIn
) -> dict[str, Any]:
    user = current_user(request)
    channel = get_visible_team_channel(user, team_channel_id)
    version = expected_version(request, channel.version)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("service") is not None:
        changes["service"] = changes["service"].value
    if changes.get("kinds") is not None:
        changes["kinds"] = [kind.value for kind in changes["kinds"]]
    changes = {name: value for name, value in changes.items() if value is not None}
    services.update_team_channel(channel, by=user, version=version, **changes)
    return _body(get_visible_team_channel(user, team_channel_id), response)


@router.delete("/team-channels/{int:team_channel_id}", response={204: None, 403: ErrorOut, **READ_ERRORS})
def delete_team_channel(request: HttpRequest, team_channel_id: int) -> Status:
    user = current_user(request)
    services.delete_team_channel(get_visible_team_channel(user, team_channel_id), by=user)
    return Status(204, None)


@router.post(
    "/team-channels/{int:team_channel_id}/test", response={200: DeliveryOut, 403: ErrorOut, **READ_ERRORS}
)
def test_team_channel(request: HttpRequest, team_channel_id: int) -> dict[str, Any]:
    """Post a test message now; the answer is the logged delivery (status `failed` with the
    robot's error when it was not accepted)."""
    user = current_user(request)
    delivery = services.send_test(get_visible_team_channel(user, team_channel_id), by=user)
    return DeliveryOut.build(delivery)


@router.get("/deliveries", response={200: DeliveryListOut, 403: ErrorOut, **LIST_ERRORS})
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFiltersIn]) -> dict[str, Any]:
    """The delivery log of your teams, newest first."""
    user = current_user(request)
    if not permissions.may_view_delivery_log(user):
        raise PermissionDenied(_("The delivery log is for managers."))
    qs = selectors.delivery_log(
        user,
        selectors.LogFilter(
            status=filters.status.value if filters.status else "",
            channel=filters.channel.value if filters.channel else "",
            team_channel_id=filters.team_channel_id,
        ),
    )
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": [DeliveryOut.build(row) for row in page], "count": count}
