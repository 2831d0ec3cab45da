"""The weekly digest: each user's unread notifications of the week by kind, in one e-mail, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kam.notifications.channels import digest
from kam.notifications.channels.tasks import enqueue_delivery, weekly_digest_task
from kam.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 30)  # a Monday


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def note(user, kind, key, title_en, *, day=WEEK + dt.timedelta(days=2), read=False) -> Notification:
    item = Notification.objects.create(
        recipient=user,
        kind=kind,
        title=title_en.upper(),
        title_en=title_en,
        url=f"/x/{key}/",
        dedupe_key=key,
        read_at=timezone.now() if read else None,
    )
    Notification.objects.filter(pk=item.pk).update(created_at=at(day))
    return item


@pytest.fixture
def week(world, settings):
    settings.LANGUAGE_CODE = "en"
    settings.KAM_BASE_URL = "https://kam.example.com"
    rep = world.east_rep
    note(rep, NotificationKind.DEAL_STALE, "s1", "East furnace: no activity for 30 days")
    note(rep, NotificationKind.DEAL_STALE, "s2", "East mill: no activity for 45 days", day=WEEK)
    note(rep, NotificationKind.APPROVAL_WAITING, "a1", "Awaiting your approval: initiation")
    note(rep, NotificationKind.SIGN_DATE_NEAR, "r1", "Already read", read=True)
    note(rep, NotificationKind.SIGN_DATE_NEAR, "old", "Last week's", day=WEEK - dt.timedelta(days=1))
    note(world.west_rep, NotificationKind.DEAL_STALE, "w1", "West turbine: no activity for 31 days")
    return world


def test_one_email_per_user_with_the_weeks_unread_notifications_by_kind(week):
    run = digest.prepare(WEEK + dt.timedelta(days=4))
    assert run.week_start == WEEK and run.created == 2
    for pk in run.delivery_ids:
        enqueue_delivery(pk)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {week.east_rep.email, week.west_rep.email}
    body = by_address[week.east_rep.email].body
    assert "3 notifications from 2026-11-30 to 2026-12-06 are still unread" in body
    # Grouped by kind, in the kinds' order (approvals before stale deals), newest first in a kind.
    assert body.index("Approval waiting (1)") < body.index("Stale deal (2)")
    assert body.index("East furnace") < body.index("East mill")
    assert "https://kam.example.com/x/s1/" in body
    assert "Already read" not in body and "Last week's" not in body
    assert "West turbine" not in body
    html = by_address[week.east_rep.email].alternatives[0][0]
    assert '<a href="https://kam.example.com/x/a1/">Awaiting your approval: initiation</a>' in html
    digest_row = Notification.objects.get(recipient=week.east_rep, kind=NotificationKind.DIGEST)
    assert digest_row.dedupe_key == "digest:2026-W49"
    assert digest_row.read_at is not None  # it repeats the inbox: the bell does not count it
    assert Delivery.objects.get(notification=digest_row).status == "sent"


def test_a_second_run_the_same_week_sends_nothing(week):
    call_command("digest", "--week", "2026-12-01")
    assert len(mail.outbox) == 2
    note(
        week.east_rep,
        NotificationKind.DEAL_STALE,
        "s3",
        "A new one later that week",
        day=WEEK + dt.timedelta(days=5),
    )
    weekly_digest_task.enqueue("2026-12-05")
    assert len(mail.outbox) == 2
    run = digest.prepare(WEEK)
    assert (run.created, run.already_sent) == (0, 2)
    assert Notification.objects.filter(kind=NotificationKind.DIGEST).count() == 2
    # The next week is a new digest.
    note(week.east_rep, NotificationKind.DEAL_STALE, "n1", "Next week", day=WEEK + dt.timedelta(days=8))
    assert digest.prepare(WEEK + dt.timedelta(days=7)).created == 1


def test_the_command_says_what_it_did(week, capsys):
    call_command("digest", "--week", "2026-12-02")
    assert "Weekly digest of the week from 2026-11-30: 2 queued, 0 already sent." in capsys.readouterr().out


def test_who_turned_it_off_or_has_no_address_gets_none(week):
    NotificationPreference.objects.create(
        user=week.east_rep, kind=NotificationKind.DIGEST, channel=Channel.EMAIL, enabled=False
    )
    week.west_rep.email = ""
    week.west_rep.save()
    run = digest.prepare(WEEK)
    assert run.created == 0 and mail.outbox == []


def test_nothing_unread_no_digest(world):
    note(world.east_rep, NotificationKind.DEAL_STALE, "r", "Read", read=True)
    assert digest.prepare(WEEK).created == 0


def test_recipients_are_found_in_one_query(week, django_assert_num_queries):
    with django_assert_num_queries(1):
        users = list(digest.selectors.digest_recipients(WEEK))
    assert {u.pk for u in users} == {week.east_rep.pk, week.west_rep.pk}
