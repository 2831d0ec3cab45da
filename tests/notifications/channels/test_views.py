"""The group robots pages and the delivery log: a manager's own teams only, a rep nowhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.notifications.models import Channel, Delivery, DeliveryStatus, NotificationKind, TeamChannel

pytestmark = pytest.mark.django_db

LIST = "/notifications/channels/"


def robot_of(team, url="https://oapi.dingtalk.com/robot/send?access_token=t", **extra):
    values = {"service": "dingtalk", "webhook_url": url, "kinds": [NotificationKind.DEAL_STALE], **extra}
    return TeamChannel.objects.create(team=team, **values)


def test_a_manager_sees_their_teams_robots_only(client, world):
    east = robot_of(world.east, secret="not-shown")
    robot_of(world.west, url="https://west.example.com/hook")
    client.force_login(world.east_mgr)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="channel-{east.pk}"' in page
    assert "oapi.dingtalk.com" in page and "access_token" not in page
    assert "west.example.com" not in page and "not-shown" not in page
    assert "Stale deal" in page


def test_a_rep_is_refused_the_pages(client, world):
    channel = robot_of(world.east)
    client.force_login(world.east_rep)
    assert client.get(LIST).status_code == 403
    assert client.get(LIST + "new/").status_code == 403
    assert client.get(LIST + "log/").status_code == 403
    # A robot by id is out of view: 404, not a 403 that tells it exists.
    assert client.get(f"{LIST}{channel.pk}/edit/").status_code == 404
    assert client.post(f"{LIST}{channel.pk}/test/").status_code == 404


def test_another_teams_manager_gets_404(client, world):
    channel = robot_of(world.east)
    client.force_login(world.west_mgr)
    for path in (f"{LIST}{channel.pk}/edit/",):
        assert client.get(path).status_code == 404
    for path in (f"{LIST}{channel.pk}/test/", f"{LIST}{channel.pk}/delete/", f"{LIST}{channel.pk}/edit/"):
        assert client.post(path, {"service": "wecom"}).status_code == 404
    assert TeamChannel.objects.filter(pk=channel.pk).exists()


def test_adding_a_robot_through_the_form(client, world):
    client.force_login(world.east_mgr)
    page = client.get(LIST + "new/").content.decode()
    assert 'name="webhook_url"' in page and "West" not in page  # only the teams they manage
    response = client.post(
        LIST + "new/",
        {
            "team": world.east.pk,
            "service": "feishu",
            "webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
            "secret": "fs",
            "kinds": [NotificationKind.SIGN_DATE_NEAR, NotificationKind.DEAL_FLAGGED],
            "is_active": "on",
        },
    )
    channel = TeamChannel.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#channel-{channel.pk}")
    assert (channel.team, channel.service, channel.secret) == (world.east, "feishu", "fs")
    assert channel.kinds == [NotificationKind.DEAL_FLAGGED, NotificationKind.SIGN_DATE_NEAR]


def test_a_team_not_managed_cannot_be_posted(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        LIST + "new/",
        {
            "team": world.west.pk,
            "service": "wecom",
            "webhook_url": "https://x.example.com/",
            "kinds": ["deal_stale"],
        },
    )
    assert response.status_code == 422 and not TeamChannel.objects.exists()


def test_the_services_message_comes_back_on_the_form(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        LIST + "new/",
        {
            "team": world.east.pk,
            "service": "wecom",
            "webhook_url": "ftp://x.example.com/",
            "kinds": ["deal_stale"],
        },
    )
    assert response.status_code == 422
    assert "Enter the robot&#x27;s webhook address" in response.content.decode()


def test_editing_keeps_the_secret_when_left_empty(client, world):
    channel = robot_of(world.east, secret="keep-me")
    client.force_login(world.east_mgr)
    page = client.get(f"{LIST}{channel.pk}/edit/").content.decode()
    assert "keep-me" not in page
    response = client.post(
        f"{LIST}{channel.pk}/edit/",
        {
            "service": "dingtalk",
            "webhook_url": channel.webhook_url,
            "secret": "",
            "kinds": ["deal_stale", "approval_waiting"],
            "version": channel.version,
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.secret, channel.is_active, channel.version) == ("keep-me", False, 2)
    assert channel.kinds == ["approval_waiting", "deal_stale"]


def test_send_a_test_message_shows_the_result(client, world, robot):
    channel = robot_of(world.east, url=robot.url(), service="wecom")
    client.force_login(world.east_mgr)
    response = client.post(f"{LIST}{channel.pk}/test/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Sent: look for it in the group." in response.content.decode()
    robot.answer((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    response = client.post(f"{LIST}{channel.pk}/test/", follow=True)
    assert (
        "The test message was not accepted: errcode 93000: invalid webhook url" in response.content.decode()
    )
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == ["sent", "failed"]


def test_delete(client, world):
    channel = robot_of(world.east)
    client.force_login(world.east_mgr)
    assert client.post(f"{LIST}{channel.pk}/delete/").status_code == 302
    assert not TeamChannel.objects.exists()


def _log_rows(world, count):
    east = robot_of(world.east)
    west = robot_of(world.west)
    rows = [
        Delivery(
            channel=Channel.DINGTALK,
            team_channel=east,
            address="oapi.dingtalk.com",
            status=DeliveryStatus.FAILED if i % 3 == 0 else DeliveryStatus.SENT,
            attempts=5 if i % 3 == 0 else 1,
            last_error="errcode 310000: sign not match" if i % 3 == 0 else "",
        )
        for i in range(count)
    ]
    rows.append(Delivery(channel=Channel.WECOM, team_channel=west, address="west.example.com"))
    Delivery.objects.bulk_create(rows)


def test_the_delivery_log_filters_and_pages(client, world, django_assert_max_num_queries):
    _log_rows(world, 60)
    client.force_login(world.east_mgr)
    with django_assert_max_num_queries(12):
        response = client.get(LIST + "log/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "60 deliveries" in page and "Page 1 of 2" in page and "west.example.com" not in page
    failed = client.get(LIST + "log/", {"status": "failed", "channel": "dingtalk"}).content.decode()
    assert "20 deliveries" in failed and "sign not match" in failed
    # The West robot's send is not East's manager's to read.
    assert "No delivery matches." in client.get(LIST + "log/", {"channel": "wecom"}).content.decode()
    second = client.get(LIST + "log/", {"status": "sent", "page": 2}).content.decode()
    assert "40 deliveries" in second and "Page 1 of 1" not in second
    # A filter that does not parse is dropped; the page still answers.
    assert client.get(LIST + "log/", {"status": "bogus"}).status_code == 200


def test_the_log_costs_the_same_whatever_its_length(client, world, django_assert_num_queries):
    _log_rows(world, 3)
    client.force_login(world.east_mgr)
    client.get(LIST + "log/")  # warm the session and the manager's teams
    with CaptureQueriesContext(connection) as few:
        client.get(LIST + "log/")
    Delivery.objects.all().delete()
    _log_rows(world, 45)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(LIST + "log/")


def test_pages_have_names(client, world):
    client.force_login(world.director)
    assert reverse("notification_channels:list") == LIST
    assert client.get(LIST).status_code == 200
    assert client.get(LIST + "log/").status_code == 200


def test_the_top_bar_offers_the_robots_to_managers_only(client, world):
    client.force_login(world.east_mgr)
    assert 'href="/notifications/channels/"' in client.get("/notifications/").content.decode()
    client.force_login(world.east_rep)
    assert 'href="/notifications/channels/"' not in client.get("/notifications/").content.decode()


def test_the_robots_page_costs_the_same_whatever_the_number_of_robots(client, world):
    robot_of(world.east)
    client.force_login(world.east_mgr)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for _ in range(5):
        robot_of(world.east, service="wecom")
    with CaptureQueriesContext(connection) as six:
        assert client.get(LIST).content.decode().count('id="channel-') == 6
    assert len(six.captured_queries) == len(one.captured_queries)
