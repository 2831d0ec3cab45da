"""The activity pages: log (with a proposed level), list with filters and sorting, detail with
history, edit, delete, my week, and the panel other pages load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.activities import services
from kam.activities.models import Activity, ActivityStatus
from kam.customers.models import Customer
from kam.relationships.models import Relationship
from tests.activities.conftest import hours_ago
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def make(world, kind, n=1, **overrides):
    made = []
    for i in range(n):
        values = {
            "by": world.east_rep,
            "kind": kind,
            "customer": world.east_customer,
            "start": hours_ago(2 + i),
            "summary": f"Visit {i}",
        }
        values.update(overrides)
        made.append(services.create_activity(**values))
    return made


def test_log_from_a_contact_with_a_proposed_level(client, world, visit):
    contact = ContactFactory(customer=world.east_customer, name="Zhang Wei")
    client.force_login(world.east_rep)
    page = client.get(f"/activities/new/?contact={contact.pk}")
    assert page.status_code == 200
    assert "Zhang Wei" in page.content.decode()
    start = hours_ago(1)
    response = client.post(
        "/activities/new/",
        {
            "customer": world.east_customer.pk,
            "kind": visit.pk,
            "status": "done",
            "start": local(start),
            "duration_minutes": 90,
            "opportunity": world.east_opp.pk,
            "contacts": [contact.pk],
            f"level_{contact.pk}": 3,
            "summary": "Met Zhang Wei",
            "next": f"/contacts/{contact.pk}/",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/contacts/{contact.pk}/"
    activity = Activity.objects.get()
    assert (activity.customer, activity.opportunity, activity.duration_minutes) == (
        world.east_customer,
        world.east_opp,
        90,
    )
    assert Relationship.objects.get(contact=contact, user=world.east_rep).level == 3
    assert Customer.objects.get(pk=world.east_customer.pk).last_touch_at is not None


def test_editing_a_meeting_can_propose_a_level(client, world, visit):
    contact = ContactFactory(customer=world.east_customer, name="Li Na")
    (activity,) = make(world, visit)
    client.force_login(world.east_rep)
    page = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert f'name="level_{contact.pk}"' in page
    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "kind": visit.pk,
            "status": "done",
            "start": local(activity.start),
            "duration_minutes": 60,
            "contacts": [contact.pk],
            f"level_{contact.pk}": 4,
            "summary": "Met Li Na after all",
            "version": activity.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Relationship.objects.get(contact=contact, user=world.east_rep).level == 4


def test_the_service_messages_come_back_on_the_form(client, world, visit):
    client.force_login(world.east_rep)
    response = client.post(
        "/activities/new/",
        {
            "customer": world.east_customer.pk,
            "kind": visit.pk,
            "status": "done",
            "start": local(timezone.now() + dt.timedelta(days=3)),
            "duration_minutes": 60,
            "summary": "Too early",
        },
    )
    assert response.status_code == 400
    assert "more than a day from now" in response.content.decode()
    assert not Activity.objects.exists()


def test_without_a_customer_the_form_asks_for_one_first(client, world):
    client.force_login(world.east_rep)
    assert client.get("/activities/new/").status_code == 200
    response = client.get(f"/activities/new/?customer={world.east_customer.pk}&day=2030-01-07")
    assert response.status_code == 200
    assert (
        'value="planned" selected' in response.content.decode()
        or "2030-01-07T09:00" in response.content.decode()
    )


def test_another_teams_activity_is_a_404_everywhere(client, world, visit):
    theirs = services.create_activity(
        by=world.west_rep, kind=visit, customer=world.west_customer, start=hours_ago(1), summary="West visit"
    )
    client.force_login(world.east_rep)
    for path in ("", "edit/", "delete/"):
        assert client.get(f"/activities/{theirs.pk}/{path}").status_code == 404
    assert client.post(f"/activities/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/activities/{theirs.pk}/done/", {"version": 1}).status_code == 404
    assert client.get(f"/activities/new/?customer={world.west_customer.pk}").status_code == 404
    assert "West visit" not in client.get("/activities/").content.decode()
    assert Activity.objects.filter(pk=theirs.pk).exists()


def test_list_filters_sorts_and_keeps_its_query_count(
    client, world, visit, call, django_assert_max_num_queries
):
    contact = ContactFactory(customer=world.east_customer)
    make(world, visit, n=30, contacts=[contact], our_people=[world.east_rep2])
    make(world, call, n=3, summary="A call")
    client.force_login(world.east_mgr)
    # Session, user, the manager's teams (2), count, rows, contacts, our people, the kinds (2):
    # the same for 33 rows as for one.
    with django_assert_max_num_queries(10):
        response = client.get("/activities/")
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(f"/activities/?kind={call.pk}&sort=start")
    body = response.content.decode()
    assert body.count("A call") == 3 and "Visit 0" not in body


def test_edit_shows_the_change_in_the_history(client, world, visit):
    (activity,) = make(world, visit)
    client.force_login(world.east_rep)
    assert client.get(f"/activities/{activity.pk}/edit/").status_code == 200
    response = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "kind": visit.pk,
            "status": "done",
            "start": local(activity.start),
            "duration_minutes": 45,
            "summary": "Visit, shorter",
            "version": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "Visit 0 → Visit, shorter" in page
    assert "60 → 45" in page
    stale = client.post(
        f"/activities/{activity.pk}/edit/",
        {
            "kind": visit.pk,
            "status": "done",
            "start": local(activity.start),
            "duration_minutes": 30,
            "summary": "x",
            "version": 1,
        },
    )
    assert stale.status_code == 409


def test_delete_asks_first_then_deletes(client, world, visit):
    (activity,) = make(world, visit)
    client.force_login(world.east_rep)
    assert "Delete" in client.get(f"/activities/{activity.pk}/delete/").content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert client.post(f"/activities/{activity.pk}/delete/").status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_my_week_shows_mine_and_marks_done(client, world, visit):
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    at = timezone.make_aware(dt.datetime.combine(monday, dt.time(10, 0)))
    (planned,) = make(world, visit, status=ActivityStatus.PLANNED, start=at, summary="Planned visit")
    services.create_activity(
        by=world.east_mgr,
        kind=visit,
        customer=world.east_customer,
        start=at,
        summary="Joined visit",
        our_people=[world.east_rep],
    )
    services.create_activity(
        by=world.east_rep2,
        kind=visit,
        customer=Customer.objects.get(pk=world.east_opp2.customer_id),
        start=at,
        summary="Not mine",
    )
    services.create_activity(
        by=world.east_mgr, kind=visit, customer=world.east_customer, start=at, summary="Manager alone"
    )
    client.force_login(world.east_rep)
    body = client.get("/activities/week/").content.decode()
    assert (
        "Planned visit" in body
        and "Joined visit" in body
        and "Not mine" not in body
        and "Manager alone" not in body
    )
    last_week = client.get(f"/activities/week/?week={monday - dt.timedelta(days=7)}").content.decode()
    assert "Planned visit" not in last_week
    if at <= timezone.now() + dt.timedelta(days=1):
        assert client.post(f"/activities/{planned.pk}/done/", {"version": 1}).status_code == 302
        assert Activity.objects.get(pk=planned.pk).status == ActivityStatus.DONE


def test_the_panel_shows_the_last_touch_of_its_record(client, world, visit):
    contact = ContactFactory(customer=world.east_customer)
    (activity,) = make(world, visit, contacts=[contact], opportunity=world.east_opp, summary="Panel visit")
    client.force_login(world.east_rep)
    for query in (
        f"opportunity={world.east_opp.pk}",
        f"contact={contact.pk}",
        f"customer={world.east_customer.pk}",
    ):
        body = client.get(f"/activities/panel/?{query}").content.decode()
        assert "Panel visit" in body
        assert "none yet" not in body
    client.force_login(world.west_rep)
    assert client.get(f"/activities/panel/?opportunity={world.east_opp.pk}").status_code == 404
    assert client.get("/activities/panel/").status_code == 404
    assert activity.pk


def test_the_list_filters_by_contact_as_the_contact_panel_links(client, world, visit):
    contact = ContactFactory(customer=world.east_customer)
    make(world, visit, contacts=[contact], summary="With the contact")
    make(world, visit, summary="Without the contact")
    client.force_login(world.east_rep)
    panel = client.get(f"/activities/panel/?contact={contact.pk}").content.decode()
    assert f"/activities/?contact={contact.pk}" in panel
    body = client.get(f"/activities/?contact={contact.pk}").content.decode()
    assert "With the contact" in body and "Without the contact" not in body


def test_the_pages_speak_chinese(client, world, visit):
    contact = ContactFactory(customer=world.east_customer, name="张伟")
    (activity,) = make(world, visit, contacts=[contact])
    client.force_login(world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    week = client.get("/activities/week/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的一周" in week and "本周" in week
    form = client.get(
        f"/activities/new/?contact={contact.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "提议新级别" in form and "我方人员" in form
    panel = client.get(
        f"/activities/panel/?contact={contact.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "记录活动" in panel and "最近接触" in panel and "全部活动" in panel
    detail = client.get(f"/activities/{activity.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "历史记录" in detail and "编辑" in detail
