"""The inbox's `notify` hands each new notification to the channels once it commits; a robot that
fails is logged on the delivery and never reaches the write that notified."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from kam.notifications import services
from kam.notifications.models import Delivery, Notification, NotificationKind, TeamChannel

pytestmark = pytest.mark.django_db


def test_a_failing_robot_never_breaks_the_save_that_notified(
    world, closed_port, settings, django_capture_on_commit_callbacks
):
    settings.KAM_DELIVERY_MAX_ATTEMPTS = 2
    TeamChannel.objects.create(
        team=world.east,
        service="feishu",
        webhook_url=closed_port,
        secret="s",
        kinds=[NotificationKind.APPROVAL_WAITING],
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        created = services.notify(
            world.east_rep,
            NotificationKind.APPROVAL_WAITING,
            params={"title": "East furnace"},
            url="/planning/approvals/1/",
            dedupe_key="approval:1",
        )
    assert created is not None and len(callbacks) == 1
    assert Notification.objects.filter(pk=created.pk).exists()
    deliveries = {d.channel: d for d in Delivery.objects.filter(notification=created)}
    assert deliveries["feishu"].status == "failed" and deliveries["feishu"].attempts == 2
    assert deliveries["email"].status == "sent"
    assert [m.to for m in mail.outbox] == [[world.east_rep.email]]
    assert "East furnace" in mail.outbox[0].subject


def test_nothing_is_sent_before_the_commit_nor_when_it_rolls_back(
    world, robot, django_capture_on_commit_callbacks
):
    TeamChannel.objects.create(
        team=world.east, service="wecom", webhook_url=robot.url(), kinds=[NotificationKind.DEAL_STALE]
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(
            world.east_rep,
            NotificationKind.DEAL_STALE,
            params={"deal": "X", "days": 30},
            dedupe_key="stale:1",
        )
    assert len(callbacks) == 1 and robot.requests == [] and not Delivery.objects.exists()
    callbacks[0]()
    assert len(robot.requests) == 1
    assert "X" in robot.requests[0].body["markdown"]["content"]
