"""Setting up a team's group robots: who may (the team's manager, a director; never a rep nor another
team's manager), what is checked, and the test message with the robot's answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.access import permissions
from kam.core.errors import ConflictError
from kam.notifications.channels import services
from kam.notifications.models import Delivery, NotificationKind, TeamChannel

pytestmark = pytest.mark.django_db

STALE = NotificationKind.DEAL_STALE


def add(by, team, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", **extra):
    values = {"service": "wecom", "webhook_url": url, "kinds": [STALE], **extra}
    return services.create_team_channel(by=by, team=team, **values)


def test_the_teams_manager_adds_a_robot(world):
    channel = add(world.east_mgr, world.east, kinds=[STALE, NotificationKind.APPROVAL_WAITING, STALE])
    assert channel.team == world.east and channel.created_by == world.east_mgr
    # Stored once each, in the kinds' own order.
    assert channel.kinds == [NotificationKind.APPROVAL_WAITING, STALE]


def test_a_director_sets_up_any_team(world):
    assert add(world.director, world.west).team == world.west


@pytest.mark.parametrize("who", ["east_rep", "west_mgr"])
def test_a_rep_or_another_teams_manager_may_not(world, who):
    user = getattr(world, who)
    assert not permissions.may_configure_team_channels(user, world.east)
    with pytest.raises(PermissionDenied):
        add(user, world.east)
    channel = add(world.east_mgr, world.east)
    with pytest.raises(PermissionDenied):
        services.update_team_channel(channel, by=user, version=channel.version, is_active=False)
    with pytest.raises(PermissionDenied):
        services.delete_team_channel(channel, by=user)
    with pytest.raises(PermissionDenied):
        services.send_test(channel, by=user)
    assert TeamChannel.objects.filter(pk=channel.pk, is_active=True).exists()


def test_a_rep_configures_nothing_and_reads_no_log(world):
    assert not permissions.may_configure_team_channels(world.east_rep)
    assert not permissions.may_view_delivery_log(world.east_rep)
    assert permissions.may_view_delivery_log(world.east_mgr)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"service": "slack"}, "service"),
        ({"webhook_url": "file:///etc/passwd"}, "webhook_url"),
        ({"webhook_url": "qyapi.weixin.qq.com/send"}, "webhook_url"),
        ({"kinds": []}, "kinds"),
        ({"kinds": [NotificationKind.DIGEST]}, "kinds"),
        ({"kinds": ["gossip"]}, "kinds"),
    ],
)
def test_what_is_refused(world, values, field):
    with pytest.raises(ValidationError) as refused:
        add(world.east_mgr, world.east, **values)
    assert field in refused.value.message_dict
    assert not TeamChannel.objects.exists()


def test_an_edit_from_a_stale_version_is_a_conflict(world):
    channel = add(world.east_mgr, world.east)
    services.update_team_channel(channel, by=world.east_mgr, version=1, service="dingtalk", secret="s")
    assert (channel.service, channel.secret, channel.version) == ("dingtalk", "s", 2)
    with pytest.raises(ConflictError):
        services.update_team_channel(channel, by=world.east_mgr, version=1, is_active=False)
    # The form sends an empty secret field: the stored one stays.
    services.update_team_channel(
        channel, by=world.east_mgr, version=2, secret="", keep_secret=True, is_active=False
    )
    channel.refresh_from_db()
    assert (channel.secret, channel.is_active) == ("s", False)


def test_the_test_message_is_sent_and_logged(world, robot):
    channel = add(world.east_mgr, world.east, url=robot.url(), service="dingtalk", secret="sec")
    delivery = services.send_test(channel, by=world.east_mgr)
    assert (delivery.status, delivery.attempts, delivery.team_channel, delivery.notification) == (
        "sent",
        1,
        channel,
        None,
    )
    (request,) = robot.requests
    assert request.body["markdown"]["title"] == "kam test message"
    assert "sign" in request.query


def test_a_refused_test_message_shows_the_robots_error(world, robot):
    channel = add(world.east_mgr, world.east, url=robot.url())
    robot.answer((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    delivery = services.send_test(channel, by=world.east_mgr)
    assert delivery.status == "failed" and "invalid webhook url" in delivery.last_error


def test_removing_a_robot_keeps_its_log(world, robot):
    channel = add(world.east_mgr, world.east, url=robot.url())
    delivery = services.send_test(channel, by=world.east_mgr)
    services.delete_team_channel(channel, by=world.east_mgr)
    delivery.refresh_from_db()
    assert delivery.team_channel is None and Delivery.objects.count() == 1
