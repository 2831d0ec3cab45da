"""From a notification to its deliveries: who gets what on which channel (preferences, the team's
robots and their kinds), the sends through the task, retries and the failures they record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kam.notifications.channels import dispatch, sending, tasks
from kam.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    TeamChannel,
)

pytestmark = pytest.mark.django_db


def make_notification(user, kind=NotificationKind.APPROVAL_WAITING, key="k1", **extra) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        title=extra.pop("title", "等待审批：East furnace 立项"),
        title_en=extra.pop("title_en", "Awaiting your approval: East furnace initiation"),
        url=extra.pop("url", "/opportunities/1/"),
        dedupe_key=key,
        **extra,
    )


def make_robot(
    team,
    url,
    *,
    service="wecom",
    kinds=(NotificationKind.APPROVAL_WAITING, NotificationKind.DEAL_STALE),
    **extra,
) -> TeamChannel:
    return TeamChannel.objects.create(team=team, service=service, webhook_url=url, kinds=list(kinds), **extra)


@pytest.fixture
def base_url(settings):
    settings.KAM_BASE_URL = "https://kam.example.com"
    settings.LANGUAGE_CODE = "zh-hans"


def test_an_approval_goes_by_email_and_to_the_teams_robots_that_take_its_kind(world, robot, base_url):
    wecom = make_robot(world.east, robot.url("/wecom?key=k"))
    make_robot(world.east, robot.url("/feishu"), service="feishu", secret="s3cret")
    make_robot(world.east, robot.url("/other-kinds"), kinds=[NotificationKind.DEAL_STALE])
    make_robot(world.east, robot.url("/off"), is_active=False)
    make_robot(world.west, robot.url("/west"))
    notification = make_notification(world.east_rep)

    ids = dispatch.dispatch(notification.pk)

    rows = Delivery.objects.filter(pk__in=ids).order_by("channel")
    assert [(r.channel, r.status, r.attempts) for r in rows] == [
        ("email", "sent", 1),
        ("feishu", "sent", 1),
        ("wecom", "sent", 1),
    ]
    assert rows.get(channel="wecom").team_channel == wecom
    assert rows.get(channel="wecom").address == robot.base.removeprefix("http://")
    assert rows.get(channel="email").address == world.east_rep.email
    assert sorted(r.path for r in robot.requests) == ["/feishu", "/wecom"]
    wecom_body = next(r.body for r in robot.requests if r.path == "/wecom")
    content = wecom_body["markdown"]["content"]
    # In the site's language (zh-Hans here), with an absolute link to the record.
    assert "等待审批：East furnace 立项" in content
    assert "https://kam.example.com/opportunities/1/" in content
    (message,) = mail.outbox
    assert message.to == [world.east_rep.email]
    assert "等待审批：East furnace 立项" in message.subject
    assert "https://kam.example.com/opportunities/1/" in message.body


def test_a_kind_not_mailed_by_default_goes_to_the_robot_only(world, robot):
    make_robot(world.east, robot.url(), kinds=[NotificationKind.DEAL_STALE])
    ids = dispatch.dispatch(make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE).pk)
    assert list(Delivery.objects.filter(pk__in=ids).values_list("channel", flat=True)) == ["wecom"]
    assert mail.outbox == []


def test_preferences_are_respected(world, robot):
    make_robot(world.east, robot.url())
    make_robot(world.east, robot.url("/ding"), service="dingtalk")
    stale = NotificationKind.DEAL_STALE
    for kind, channel, enabled in [
        (NotificationKind.APPROVAL_WAITING, Channel.EMAIL, False),  # on by default: turned off
        (NotificationKind.APPROVAL_WAITING, Channel.WECOM, False),  # out of the group for this kind
        (stale, Channel.EMAIL, True),  # off by default: turned on
    ]:
        NotificationPreference.objects.create(
            user=world.east_rep, kind=kind, channel=channel, enabled=enabled
        )
    ids = dispatch.dispatch(make_notification(world.east_rep).pk)
    assert list(Delivery.objects.filter(pk__in=ids).values_list("channel", flat=True)) == ["dingtalk"]
    ids = dispatch.dispatch(make_notification(world.east_rep, kind=stale, key="k2").pk)
    channels = Delivery.objects.filter(pk__in=ids).values_list("channel", flat=True)
    assert sorted(channels) == ["dingtalk", "email", "wecom"]


def test_nothing_for_a_user_without_address_or_team_nor_for_an_inactive_user(world, robot):
    make_robot(world.east, robot.url())
    world.east_rep.email = ""
    world.east_rep.team = None
    world.east_rep.save()
    assert dispatch.dispatch(make_notification(world.east_rep).pk) == []
    world.east_rep2.is_active = False
    world.east_rep2.save()
    assert dispatch.dispatch(make_notification(world.east_rep2).pk) == []
    assert dispatch.dispatch(987654321) == []
    assert robot.requests == [] and mail.outbox == []


def test_a_failing_robot_is_retried_until_it_answers(world, robot, settings):
    settings.KAM_DELIVERY_MAX_ATTEMPTS = 5
    make_robot(world.east, robot.url())
    robot.answer((500, {"errcode": -1}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    ids = dispatch.dispatch(make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE).pk)
    (row,) = Delivery.objects.filter(pk__in=ids)
    # The immediate backend runs each retry at once (a database backend runs it after the delay).
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert row.sent_at is not None
    assert len(robot.requests) == 3


def test_a_robot_that_keeps_failing_is_failed_after_the_last_attempt(world, robot, settings):
    settings.KAM_DELIVERY_MAX_ATTEMPTS = 3
    make_robot(world.east, robot.url(), service="dingtalk", secret="x")
    robot.answer(*[(200, {"errcode": 310000, "errmsg": "sign not match"})] * 5)
    ids = dispatch.dispatch(make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE).pk)
    (row,) = Delivery.objects.filter(pk__in=ids)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "sign not match" in row.last_error
    assert len(robot.requests) == 3


def test_an_unreachable_robot_is_recorded_not_raised(world, closed_port, settings):
    settings.KAM_DELIVERY_MAX_ATTEMPTS = 2
    make_robot(world.east, closed_port)
    ids = dispatch.dispatch(make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE).pk)
    row = Delivery.objects.get(pk__in=ids)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert "URLError" in row.last_error or "Connection" in row.last_error


def test_a_retry_waits_longer_each_time_where_the_backend_can_defer(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    notification = make_notification(world.east_rep)
    delivery = Delivery.objects.create(
        notification=notification, channel=Channel.EMAIL, address="a@example.com"
    )
    before = timezone.now()
    tasks.enqueue_delivery(delivery.pk, delay=sending.retry_delay(2))
    backend = tasks.send_delivery_task.get_backend()
    (result,) = backend.results
    assert result.args == [delivery.pk]
    assert result.task.run_after - before >= dt.timedelta(minutes=2)
    assert [sending.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [
        30,
        120,
        480,
        1920,
        3600,
        3600,
    ]


def test_a_delivery_already_sent_is_not_sent_again(world, robot):
    make_robot(world.east, robot.url())
    (pk,) = dispatch.dispatch(make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE).pk)
    outcome = sending.attempt(pk)
    assert outcome.status == "sent" and outcome.attempts == 1
    assert len(robot.requests) == 1


def test_a_robot_switched_off_after_queueing_fails_the_delivery(world, robot):
    channel = make_robot(world.east, robot.url())
    notification = make_notification(world.east_rep, kind=NotificationKind.DEAL_STALE)
    (pk,) = sending.plan(notification.pk)
    TeamChannel.objects.filter(pk=channel.pk).update(is_active=False)
    outcome = sending.attempt(pk, max_attempts=1)
    assert (outcome.status, outcome.error) == ("failed", "the team's robot is switched off")
    assert robot.requests == []


def test_dispatch_never_raises(world, monkeypatch):
    def broken(notification_id):
        raise RuntimeError("database gone")

    monkeypatch.setattr(sending, "plan", broken)
    assert dispatch.dispatch(make_notification(world.east_rep).pk) == []


def test_a_task_backend_that_refuses_fails_the_delivery_with_the_reason(world, monkeypatch):
    notification = make_notification(world.east_rep)
    delivery = Delivery.objects.create(
        notification=notification, channel=Channel.EMAIL, address="a@example.com"
    )

    def refuse(*args, **kwargs):
        raise RuntimeError("queue full")

    monkeypatch.setattr(type(tasks.send_delivery_task), "enqueue", refuse)
    tasks.enqueue_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "queue full" in delivery.last_error


def test_a_second_dispatch_of_the_same_notification_sends_nothing(world, robot):
    make_robot(world.east, robot.url())
    notification = make_notification(world.east_rep)
    assert len(dispatch.dispatch(notification.pk)) == 2
    assert dispatch.dispatch(notification.pk) == []
    assert len(robot.requests) == 1 and len(mail.outbox) == 1


def test_planning_costs_the_same_whatever_the_number_of_robots(world, robot, django_assert_num_queries):
    for _ in range(4):
        make_robot(world.east, robot.url(), service="feishu")
    notification = make_notification(world.east_rep)
    # The notification, whether it was planned, the choices, the robots, one INSERT of them all.
    with django_assert_num_queries(5):
        ids = sending.plan(notification.pk)
    assert len(ids) == 5
