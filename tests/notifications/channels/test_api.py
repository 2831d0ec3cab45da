"""The group robots and the delivery log over JSON: the same rules as the pages."""

from __future__ import annotations

import pytest

from kam.notifications.models import Delivery, NotificationKind, TeamChannel

pytestmark = pytest.mark.django_db

BODY = {
    "service": "dingtalk",
    "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
    "secret": "SEC",
    "kinds": ["deal_stale", "approval_waiting"],
}


def test_a_manager_creates_reads_changes_and_removes_a_robot(world, api_as):
    api = api_as(world.east_mgr)
    created = api.post("/team-channels", {**BODY, "team_id": world.east.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["signed"] is True and "secret" not in body
    assert body["kinds"] == ["approval_waiting", "deal_stale"]
    assert body["webhook_host"] == "oapi.dingtalk.com"
    pk = body["id"]
    read = api.get(f"/team-channels/{pk}")
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert api.patch(f"/team-channels/{pk}", {"is_active": False}).status_code == 428
    assert api.patch(f"/team-channels/{pk}", {"is_active": False}, if_match=7).status_code == 412
    changed = api.patch(f"/team-channels/{pk}", {"is_active": False, "kinds": ["sla_breach"]}, if_match=1)
    assert changed.status_code == 200 and changed.json()["kinds"] == ["sla_breach"]
    assert changed.json()["signed"] is True  # a secret not sent is kept
    listed = api.get("/team-channels").json()
    assert [item["id"] for item in listed["items"]] == [pk]
    assert api.client.delete(f"/api/v1/team-channels/{pk}", **api._headers()).status_code == 204
    assert not TeamChannel.objects.exists()


def test_a_rep_or_another_manager_gets_403_or_404(world, api_as):
    channel = TeamChannel.objects.create(
        team=world.east, service="wecom", webhook_url="https://x.example.com/", kinds=["deal_stale"]
    )
    rep = api_as(world.east_rep)
    assert rep.get("/team-channels").status_code == 403
    assert rep.post("/team-channels", {**BODY, "team_id": world.east.pk}).status_code == 403
    assert rep.get("/deliveries").status_code == 403
    other = api_as(world.west_mgr)
    assert other.post("/team-channels", {**BODY, "team_id": world.east.pk}).status_code == 403
    assert other.get(f"/team-channels/{channel.pk}").status_code == 404
    assert other.patch(f"/team-channels/{channel.pk}", {"is_active": False}, if_match=1).status_code == 404
    assert other.post(f"/team-channels/{channel.pk}/test", {}).status_code == 404
    assert other.client.delete(f"/api/v1/team-channels/{channel.pk}", **other._headers()).status_code == 404
    assert rep.get(f"/team-channels/{channel.pk}").status_code == 404


def test_bad_input_is_422_and_writes_nothing(world, api_as):
    api = api_as(world.east_mgr)
    for body in (
        {**BODY, "team_id": world.east.pk, "service": "slack"},
        {**BODY, "team_id": world.east.pk, "kinds": []},
        {**BODY, "team_id": world.east.pk, "kinds": ["digest"]},
        {**BODY, "team_id": world.east.pk, "webhook_url": "file:///etc/passwd"},
        {**BODY, "team_id": world.east.pk, "unknown": 1},
    ):
        assert api.post("/team-channels", body).status_code == 422, body
    assert not TeamChannel.objects.exists()


def test_the_test_message_and_the_log(world, api_as, robot):
    api = api_as(world.east_mgr)
    pk = api.post("/team-channels", {**BODY, "webhook_url": robot.url(), "team_id": world.east.pk}).json()[
        "id"
    ]
    robot.answer((200, {"errcode": 310000, "errmsg": "sign not match"}))
    failed = api.post(f"/team-channels/{pk}/test", {}).json()
    assert failed["status"] == "failed" and "sign not match" in failed["last_error"]
    sent = api.post(f"/team-channels/{pk}/test", {}).json()
    assert sent["status"] == "sent" and sent["team_channel_id"] == pk
    log = api.get("/deliveries", {"status": "failed"}).json()
    assert log["count"] == 1 and log["items"][0]["id"] == failed["id"]
    assert api.get("/deliveries", {"limit": 1}).json()["count"] == 2
    assert api.get("/deliveries", {"status": "bogus"}).status_code == 422
    assert api_as(world.west_mgr).get("/deliveries").json()["count"] == 0
    assert Delivery.objects.count() == 2


def test_the_kinds_documented_are_the_robots(world, client):
    spec = client.get("/api/v1/openapi.json").json()
    schema = spec["components"]["schemas"]["TeamChannelOut"]
    assert NotificationKind.DEAL_STALE in schema["properties"]["kinds"]["description"]
    assert NotificationKind.DIGEST not in schema["properties"]["kinds"]["description"]
