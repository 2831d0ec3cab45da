import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.delivery.models import DeliveryChange, Priority, ServiceKind, ServiceRequest, ServiceStatus
from kam.delivery.service import services
from tests.delivery.service.conftest import T0
from tests.factories import ContactFactory

H = dt.timedelta(hours=1)


@pytest.fixture
def east_request(world, open_request):
    return open_request(world.east_customer, opened_at=timezone.now() - H)


def test_list_shows_the_visible_requests_with_their_sla_state(client, world, open_request, east_request):
    west = open_request(world.west_customer, subject="West turbine noise", opened_at=timezone.now() - H)
    client.force_login(world.east_rep)
    page = client.get(reverse("delivery_service:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert east_request.number in text and west.number not in text
    assert "left to first response" in text


def test_list_filters_and_sorts(client, world, open_request):
    client.force_login(world.east_mgr)
    urgent = open_request(world.east_customer, priority=Priority.URGENT, opened_at=timezone.now() - H)
    low = open_request(world.east_customer, priority=Priority.LOW, opened_at=timezone.now() - H)
    page = client.get(reverse("delivery_service:list"), {"priority": "urgent"})
    assert urgent.number in page.content.decode() and low.number not in page.content.decode()
    page = client.get(reverse("delivery_service:list"), {"sla": "breached"})
    # Tier D, urgent: 8 hours to respond; opened an hour ago, nothing is breached yet.
    assert "No request matches these filters" in page.content.decode()
    page = client.get(reverse("delivery_service:list"), {"sort": "priority"})
    text = page.content.decode()
    assert text.index(urgent.number) < text.index(low.number)
    assert client.get(reverse("delivery_service:list"), {"status": "bogus"}).status_code == 400


def test_the_breached_filter(client, world, open_request):
    late = open_request(world.east_customer, priority=Priority.URGENT, opened_at=timezone.now() - 100 * H)
    fresh = open_request(world.east_customer, opened_at=timezone.now() - H)
    client.force_login(world.east_rep)
    text = client.get(reverse("delivery_service:list"), {"sla": "breached"}).content.decode()
    assert late.number in text and fresh.number not in text
    assert "overdue by" in text


def test_new_request_through_the_form_defaults_the_owner(client, world):
    contact = ContactFactory(customer=world.east_customer)
    client.force_login(world.east_rep)
    url = reverse("delivery_service:create") + f"?customer={world.east_customer.pk}"
    page = client.get(url)
    assert page.status_code == 200 and contact.name in page.content.decode()
    kind = ServiceKind.objects.get(code="question")
    response = client.post(
        url, {"kind": kind.pk, "priority": "high", "subject": "How to recalibrate", "contact": contact.pk}
    )
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "delivery_service:detail", args=[sr.pk]
    )
    assert sr.owner == world.east_rep and sr.contact == contact
    bad = client.post(url, {"kind": kind.pk, "priority": "high", "subject": " "})
    assert bad.status_code == 400


def test_another_teams_customer_is_not_found(client, world):
    client.force_login(world.east_rep)
    url = reverse("delivery_service:create") + f"?customer={world.west_customer.pk}"
    assert client.get(url).status_code == 404


def test_request_page_moves_and_a_stale_form_is_a_409(client, world, east_request):
    client.force_login(world.east_rep)
    page = client.get(reverse("delivery_service:detail", args=[east_request.pk]))
    assert page.status_code == 200 and "Acknowledge" in page.content.decode()
    move = reverse("delivery_service:move", args=[east_request.pk])
    assert client.post(move, {"to": "acknowledged", "version": 1}).status_code == 302
    east_request.refresh_from_db()
    assert east_request.status == ServiceStatus.ACKNOWLEDGED and east_request.first_response_at
    stale = client.post(move, {"to": "in_progress", "version": 1})
    assert stale.status_code == 409
    no_words = client.post(move, {"to": "resolved", "version": 2, "resolution": ""})
    assert no_words.status_code == 400
    assert "Say how the request was resolved" in no_words.content.decode()


def test_edit_and_reassign(client, world, east_request):
    client.force_login(world.east_rep)
    url = reverse("delivery_service:edit", args=[east_request.pk])
    assert client.get(url).status_code == 200
    form = {"kind": east_request.kind_id, "priority": "urgent", "subject": "Now urgent", "version": 1}
    assert client.post(url, form).status_code == 302
    assert client.post(url, {**form, "subject": "stale"}).status_code == 409
    east_request.refresh_from_db()
    assert east_request.subject == "Now urgent" and east_request.priority == "urgent"
    reassign = reverse("delivery_service:reassign", args=[east_request.pk])
    assert client.post(reassign, {"owner": "", "version": 2}).status_code == 400
    assert client.post(reassign, {"owner": world.east_rep2.pk, "version": 2}).status_code == 302
    east_request.refresh_from_db()
    assert east_request.owner == world.east_rep2


def test_another_teams_request_is_not_found(client, world, east_request):
    client.force_login(world.west_rep)
    assert client.get(reverse("delivery_service:detail", args=[east_request.pk])).status_code == 404


def test_badge_counts_the_warned_and_escalated(client, world, open_request):
    sr = open_request(world.east_customer, priority=Priority.URGENT, opened_at=T0)
    services.watch(T0 + 9 * H)
    client.force_login(world.east_mgr)
    assert "SLA at risk: 1" in client.get(reverse("delivery_service:badge")).content.decode()
    client.force_login(world.west_mgr)
    assert client.get(reverse("delivery_service:badge")).content.decode().strip() == ""
    assert DeliveryChange.objects.filter(record_id=sr.pk, action="escalated").exists()


def test_customer_panel_lists_the_open_requests(client, world, east_request, django_assert_max_num_queries):
    client.force_login(world.east_rep)
    url = reverse("delivery_service:customer_panel", args=[world.east_customer.pk])
    with django_assert_max_num_queries(8):
        page = client.get(url, HTTP_HX_REQUEST="true")
    assert east_request.number in page.content.decode()
    page = client.get(reverse("customers:detail", args=[world.east_customer.pk]))
    assert url in page.content.decode()


def test_list_queries_do_not_grow_with_the_rows(client, world, open_request, django_assert_max_num_queries):
    for _ in range(3):
        open_request(world.east_customer, opened_at=timezone.now() - H)
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("delivery_service:list"))
    for _ in range(10):
        open_request(world.east_customer, opened_at=timezone.now() - H)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("delivery_service:list"))


def test_the_pages_in_chinese(client, world, east_request):
    client.force_login(world.east_rep)
    listed = client.get(reverse("delivery_service:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "服务请求" in listed and "距首次响应还剩" in listed
    page = client.get(
        reverse("delivery_service:detail", args=[east_request.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = page.content.decode()
    assert (
        "SLA 时钟" in body and "确认受理" in body and "普通" in body
    )  # the priority, not an influence level


def test_request_page_queries_do_not_grow_with_the_history(
    client, world, east_request, django_assert_max_num_queries
):
    client.force_login(world.east_rep)
    url = reverse("delivery_service:detail", args=[east_request.pk])
    with django_assert_max_num_queries(14) as first:
        client.get(url)
    for i in range(6):
        services.update_request(
            east_request, by=world.east_rep, version=east_request.version, subject=f"Subject {i}"
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Subject 5") >= 2  # the title and the history
