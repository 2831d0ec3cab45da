"""notify() and the reminder run: once per recipient and key, preferences respected, titles stored
in both languages, the channels told after the commit; `kam remind` twice adds nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kam.notifications import services
from kam.notifications.models import Notification, NotificationKind, NotificationPreference
from kam.notifications.remind import remind
from kam.notifications.services import Reminder
from kam.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 5, 9, 0))


def test_notify_stores_both_titles_and_is_idempotent_by_key(world):
    params = {"deal": "East furnace", "days": 12}
    first = services.notify(world.east_rep, NotificationKind.DEAL_STALE, params=params, dedupe_key="k")
    again = services.notify(world.east_rep, NotificationKind.DEAL_STALE, params=params, dedupe_key="k")

    assert first is not None and again is None
    assert first.title_en == "East furnace: no activity for 12 days"
    assert first.title == "East furnace：已 12 天没有活动"
    assert Notification.objects.filter(recipient=world.east_rep).count() == 1
    # The same key for someone else is their own notification.
    assert services.notify(world.west_rep, NotificationKind.DEAL_STALE, params=params, dedupe_key="k")


def test_an_inbox_turned_off_for_a_kind_creates_nothing_of_that_kind(world):
    NotificationPreference.objects.create(
        user=world.east_rep, kind=NotificationKind.DEAL_STALE, channel="inbox", enabled=False
    )
    off = services.notify(
        world.east_rep, NotificationKind.DEAL_STALE, params={"deal": "x", "days": 1}, dedupe_key="a"
    )
    on = services.notify(
        world.east_rep,
        NotificationKind.SIGN_DATE_NEAR,
        params={"deal": "x", "days": 1, "date": "2026-12-06"},
        dedupe_key="b",
    )
    assert off is None and on is not None
    assert list(Notification.objects.values_list("kind", flat=True)) == [NotificationKind.SIGN_DATE_NEAR]


def test_an_unknown_kind_is_refused(world):
    with pytest.raises(ValueError):
        services.notify(world.east_rep, "no_such_kind", dedupe_key="x")


def test_the_channels_get_each_new_notification_after_the_commit(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[int] = []
    monkeypatch.setattr(services, "_dispatcher", lambda: sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(
            world.east_rep, NotificationKind.DEAL_STALE, params={"deal": "x", "days": 3}, dedupe_key="d"
        )
        assert sent == []  # not before the commit
    assert sent == [n.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            world.east_rep, NotificationKind.DEAL_STALE, params={"deal": "x", "days": 3}, dedupe_key="d"
        )
    assert sent == [n.pk]  # a duplicate is not sent again


def test_a_failing_channel_does_not_undo_the_notification(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(pk: int) -> None:
        raise RuntimeError("robot down")

    monkeypatch.setattr(services, "_dispatcher", lambda: broken)
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(
            world.east_rep, NotificationKind.DEAL_STALE, params={"deal": "x", "days": 3}, dedupe_key="e"
        )
    assert Notification.objects.filter(pk=n.pk).exists()


def test_deliver_writes_a_batch_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    reminders = [
        Reminder(
            recipient_id=user.pk,
            kind=NotificationKind.DEAL_STALE,
            dedupe_key=f"s{i}",
            params={"deal": "d", "days": i},
        )
        for i in range(20)
        for user in (world.east_rep, world.west_rep)
    ]
    # The existing keys, the preferences and one INSERT (7 with the savepoints around the batch and
    # around the INSERT: the inner one keeps a concurrent duplicate from spoiling the batch).
    with django_assert_num_queries(7):
        created = services.deliver(reminders)
    assert len(created) == 40 and all(n.pk for n in created)
    # Nothing new: the keys and the preferences, in the savepoint.
    with django_assert_num_queries(4):
        assert services.deliver(reminders) == []


def test_kam_remind_twice_adds_nothing_the_second_time(world):
    today = timezone.localtime(NOW).date()
    Opportunity.objects.filter(pk=world.east_opp.pk).update(sign_date=today + dt.timedelta(days=3))
    Opportunity.objects.filter(pk=world.west_opp.pk).update(last_touch_at=NOW - dt.timedelta(days=200))
    at = NOW.isoformat()

    out = StringIO()
    call_command("remind", "--at", at, stdout=out)
    first = set(Notification.objects.values_list("recipient_id", "kind", "record_id"))
    assert (world.east_rep.pk, NotificationKind.SIGN_DATE_NEAR, world.east_opp.pk) in first
    assert (world.west_rep.pk, NotificationKind.DEAL_STALE, world.west_opp.pk) in first
    assert "sign_date_near 1" in out.getvalue()

    count = Notification.objects.count()
    out = StringIO()
    call_command("remind", "--at", at, stdout=out)
    assert Notification.objects.count() == count
    assert out.getvalue().strip() == "Reminders: 0 created."
    # A day later the same facts are still the same reminders.
    assert sum(remind(NOW + dt.timedelta(days=1), [NotificationKind.SIGN_DATE_NEAR]).values()) == 0


def test_kam_remind_runs_one_kind_and_refuses_a_bad_time(world):
    from django.core.management.base import CommandError

    today = timezone.localtime(NOW).date()
    Opportunity.objects.filter(pk=world.east_opp.pk).update(
        sign_date=today + dt.timedelta(days=3), last_touch_at=NOW - dt.timedelta(days=200)
    )
    call_command("remind", "--at", NOW.isoformat(), "--kind", "deal_stale", stdout=StringIO())
    assert set(Notification.objects.values_list("kind", flat=True)) == {NotificationKind.DEAL_STALE}
    with pytest.raises(CommandError):
        call_command("remind", "--at", "yesterday", stdout=StringIO())


def test_the_daily_task_runs_the_reminders(world):
    from kam.notifications.tasks import remind_task

    Opportunity.objects.filter(pk=world.east_opp.pk).update(
        sign_date=timezone.localdate() + dt.timedelta(days=2)
    )
    result = remind_task.enqueue()  # the tests run tasks immediately
    assert result.return_value[NotificationKind.SIGN_DATE_NEAR] == 1
    assert Notification.objects.filter(
        kind=NotificationKind.SIGN_DATE_NEAR, recipient=world.east_rep
    ).exists()


def test_set_preferences_keeps_only_choices_that_differ_from_the_default(world):
    services.set_preferences(world.east_rep, {("deal_stale", "inbox"): False, ("deal_stale", "email"): False})
    assert list(NotificationPreference.objects.values_list("kind", "channel", "enabled")) == [
        ("deal_stale", "inbox", False)
    ]
    services.set_preferences(world.east_rep, {("deal_stale", "inbox"): True})
    assert not NotificationPreference.objects.exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_preferences(world.east_rep, {("deal_stale", "pigeon"): True})
