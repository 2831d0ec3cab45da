"""The inbox over JSON: the list (filters, pages, titles in the reader's language), mark read, mark
all read, the preferences; someone else's notification is a 404."""

from __future__ import annotations

import pytest

from kam.notifications import services
from kam.notifications.models import Notification, NotificationKind, NotificationPreference

pytestmark = pytest.mark.django_db


def _notify(user, key, kind=NotificationKind.DEAL_STALE):
    return services.notify(
        user, kind, params={"deal": f"Deal {key}", "days": 9}, url="/opportunities/1/", dedupe_key=key
    )


def test_the_list_pages_and_filters_only_the_callers_notifications(
    world, api_as, django_assert_max_num_queries
):
    for i in range(5):
        _notify(world.east_rep, f"e{i}")
    _notify(world.east_rep, "sla", NotificationKind.SLA_BREACH)
    _notify(world.west_rep, "w")
    api = api_as(world.east_rep)

    with django_assert_max_num_queries(6):  # the token (and its use), the count, the page, the unread count
        body = api.get("/notifications", {"limit": 2, "offset": 1}).json()
    assert body["count"] == 6 and body["unread"] == 6
    assert len(body["items"]) == 2
    assert body["items"][0]["title"].endswith("no activity for 9 days")
    assert {"url", "record_label", "record_id", "params", "read_at", "kind_label"} <= set(body["items"][0])

    only = api.get("/notifications", {"kind": "sla_breach"}).json()
    assert [i["kind"] for i in only["items"]] == ["sla_breach"]
    assert api.get("/notifications", {"state": "read"}).json()["count"] == 0
    assert api.get("/notifications", {"kind": "nope"}).status_code == 422
    assert api.get("/notifications", {"limit": 500}).status_code == 422


def test_mark_read_and_mark_all_read(world, api_as):
    one = _notify(world.east_rep, "one")
    _notify(world.east_rep, "two")
    theirs = _notify(world.west_rep, "theirs")
    api = api_as(world.east_rep)

    response = api.post(f"/notifications/{one.pk}/read", {})
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert api.get("/notifications", {"state": "unread"}).json()["count"] == 1

    assert api.post(f"/notifications/{theirs.pk}/read", {}).status_code == 404
    assert api.get(f"/notifications/{theirs.pk}").status_code == 404
    assert api.post("/notifications/read-all", {}).json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not Notification.objects.filter(recipient=world.east_rep, read_at__isnull=True).exists()


def test_preferences_get_and_put(world, api_as):
    api = api_as(world.east_rep)
    items = api.get("/notifications/preferences").json()["items"]
    cells = {(i["kind"], i["channel"]): i for i in items}
    assert len(items) == len(NotificationKind.values) * 5
    assert (
        cells[("approval_waiting", "email")]["enabled"] and cells[("approval_waiting", "email")]["is_default"]
    )
    assert not cells[("deal_stale", "email")]["enabled"]

    response = api.client.put(
        "/api/v1/notifications/preferences",
        '{"items": [{"kind": "deal_stale", "channel": "email", "enabled": true}]}',
        content_type="application/json",
        **api._headers(),
    )
    assert response.status_code == 200
    cells = {(i["kind"], i["channel"]): i for i in response.json()["items"]}
    assert cells[("deal_stale", "email")] == {
        "kind": "deal_stale",
        "channel": "email",
        "enabled": True,
        "is_default": False,
    }
    assert NotificationPreference.objects.filter(user=world.east_rep).count() == 1

    bad = api.client.put(
        "/api/v1/notifications/preferences",
        '{"items": [{"kind": "deal_stale", "channel": "pigeon", "enabled": true}]}',
        content_type="application/json",
        **api._headers(),
    )
    assert bad.status_code == 422
