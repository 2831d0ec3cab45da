"""The inbox pages: the list with its filters and pages, opening a notification (read, then its
record), marking read, the bell's count, the preferences page; each only the recipient's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kam.notifications import selectors, services
from kam.notifications.models import Notification, NotificationKind, NotificationPreference
from kam.notifications.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def _notify(user, key, kind=NotificationKind.SIGN_DATE_NEAR, **params):
    params = {"deal": f"Deal {key}", "date": "2026-12-10", "days": 5, **params}
    return services.notify(
        user, kind, params=params, url="/opportunities/", record_label="opportunity", dedupe_key=key
    )


def test_the_inbox_lists_only_the_readers_notifications_in_their_language(client, world):
    mine = _notify(world.east_rep, "a", deal="East furnace")
    _notify(world.west_rep, "b", deal="West turbine", date="2026-12-10", days=5)
    client.force_login(world.east_rep)

    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "East furnace is expected to sign in 5 days (2026-12-10)" in page
    assert "West turbine" not in page
    assert reverse("notifications:open", args=[mine.pk]) in page

    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        zh = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "East furnace" in zh and "is expected to sign" not in zh


def test_read_and_unread_filters_and_pages(client, world):
    for i in range(PAGE_SIZE + 2):
        _notify(world.east_rep, f"k{i}")
    read = Notification.objects.filter(recipient=world.east_rep).order_by("pk").first()
    services.mark_read(world.east_rep, read)
    client.force_login(world.east_rep)

    unread = client.get(reverse("notifications:inbox"), {"state": "unread"})
    assert unread.context["page"].paginator.count == PAGE_SIZE + 1
    assert read.pk not in {n.pk for n in unread.context["notifications"]}
    only_read = client.get(reverse("notifications:inbox"), {"state": "read"})
    assert [n.pk for n in only_read.context["notifications"]] == [read.pk]
    second = client.get(reverse("notifications:inbox"), {"page": 2})
    assert len(second.context["notifications"]) == 2
    kind = client.get(reverse("notifications:inbox"), {"kind": NotificationKind.SLA_BREACH})
    assert kind.context["page"].paginator.count == 0


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(client, world):
    n = services.notify(
        world.east_rep,
        NotificationKind.DEAL_STALE,
        params={"deal": "East furnace", "days": 40},
        url=reverse("opportunities:detail", args=[world.east_opp.pk]),
        record_label="opportunity",
        record_id=world.east_opp.pk,
        dedupe_key="stale:1",
    )
    client.force_login(world.east_rep)

    response = client.get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/opportunities/{world.east_opp.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_is_a_404_and_stays_unread(client, world):
    theirs = _notify(world.west_rep, "theirs")
    client.force_login(world.east_rep)

    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_and_mark_all_read(client, world):
    one = _notify(world.east_rep, "one")
    two = _notify(world.east_rep, "two")
    three = _notify(world.east_rep, "three")
    client.force_login(world.east_rep)

    response = client.post(
        reverse("notifications:mark_read", args=[one.pk]), {"next": "/notifications/?state=unread"}
    )
    assert response["Location"] == "/notifications/?state=unread"
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None

    # An address elsewhere is not followed.
    response = client.post(reverse("notifications:mark_all_read"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:inbox")
    assert not Notification.objects.filter(pk__in=[two.pk, three.pk], read_at__isnull=True).exists()


def test_the_bell_counts_unread_in_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.east_rep)
    empty = client.get(reverse("notifications:badge")).content.decode()
    assert "bell-badge" not in empty
    for i in range(3):
        _notify(world.east_rep, f"b{i}")
    _notify(world.west_rep, "other")
    services.mark_read(world.east_rep, Notification.objects.filter(recipient=world.east_rep).first())

    # The session, the user, the count.
    with django_assert_num_queries(3):
        body = client.get(reverse("notifications:badge")).content.decode()
    assert '<span class="badge bell-badge" aria-hidden="true">2</span>' in body
    assert "2 unread notifications" in body


def test_the_inbox_page_costs_the_same_with_more_notifications(client, world, django_assert_num_queries):
    client.force_login(world.east_rep)
    for i in range(3):
        _notify(world.east_rep, f"q{i}")
    # Session, user, count, page, unread count (the messages read no table).
    with django_assert_num_queries(5):
        client.get(reverse("notifications:inbox"))
    for i in range(20):
        _notify(world.east_rep, f"r{i}")
    with django_assert_num_queries(5):
        response = client.get(reverse("notifications:inbox"))
    assert len(response.context["notifications"]) == 23


def test_the_preferences_page_shows_defaults_and_saves_choices(client, world):
    client.force_login(world.east_rep)
    page = client.get(reverse("notifications:preferences")).content.decode()
    # Inbox on for every kind; e-mail on for approvals only; the robots' columns are there.
    assert 'name="approval_waiting__inbox" id="pref-approval_waiting__inbox" checked' in page
    assert 'name="approval_waiting__email" id="pref-approval_waiting__email" checked' in page
    assert 'name="deal_stale__email" id="pref-deal_stale__email" aria-label' in page
    for channel in ("WeCom", "DingTalk", "Feishu"):
        assert f'<th scope="col">{channel}</th>' in page

    # The form as shown (every default), with three boxes changed.
    ticked = {
        cell.name: "on" for row in selectors.preferences(world.east_rep) for cell in row.cells if cell.enabled
    }
    del ticked["deal_stale__inbox"]
    del ticked["approval_waiting__email"]
    ticked["sla_breach__email"] = "on"
    response = client.post(reverse("notifications:preferences"), ticked)
    assert response.status_code == 302
    stored = set(
        NotificationPreference.objects.filter(user=world.east_rep).values_list("kind", "channel", "enabled")
    )
    # Only the choices that differ from the defaults are stored.
    assert stored == {
        ("deal_stale", "inbox", False),
        ("approval_waiting", "email", False),
        ("sla_breach", "email", True),
    }
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="deal_stale__inbox" id="pref-deal_stale__inbox" aria-label' in page
    assert 'name="sla_breach__email" id="pref-sla_breach__email" checked' in page


def test_the_preferences_page_costs_the_same_with_choices_stored(client, world, django_assert_num_queries):
    client.force_login(world.east_rep)
    # Session, user, the user's choices.
    with django_assert_num_queries(3):
        client.get(reverse("notifications:preferences"))
    services.set_preferences(world.east_rep, {("deal_stale", "inbox"): False, ("sla_breach", "email"): True})
    with django_assert_num_queries(3):
        response = client.get(reverse("notifications:preferences"))
    cells = {(c.kind, c.channel): c for row in response.context["rows"] for c in row.cells}
    assert not cells[("deal_stale", "inbox")].enabled and not cells[("deal_stale", "inbox")].is_default
    assert cells[("sla_breach", "email")].enabled
