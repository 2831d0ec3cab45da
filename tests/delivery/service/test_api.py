import datetime as dt

from kam.delivery.models import ServiceRequest
from kam.delivery.service import services
from tests.delivery.service.conftest import T0
from tests.factories import ContactFactory

H = dt.timedelta(hours=1)


def test_open_read_and_list(world, api_as):
    api = api_as(world.east_rep)
    contact = ContactFactory(customer=world.east_customer)
    created = api.post(
        "/delivery/service/requests",
        {
            "customer": world.east_customer.pk,
            "kind": "fault",
            "priority": "urgent",
            "subject": "Down",
            "contact": contact.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"]["id"] == world.east_rep.pk and body["next_statuses"] == ["acknowledged"]
    assert created["ETag"] == '"1"'
    got = api.get(f"/delivery/service/requests/{body['id']}")
    assert got.json()["sla"]["level"] == "ok"
    listed = api.get("/delivery/service/requests", {"priority": "urgent"}).json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == body["number"]
    assert api.get("/delivery/service/requests", {"sla": "nonsense"}).status_code == 422
    history = api.get(f"/delivery/service/requests/{body['id']}/history").json()
    assert [h["action"] for h in history] == ["created"]


def test_open_refuses_a_contact_of_another_customer_and_hides_other_teams(world, api_as):
    api = api_as(world.east_rep)
    other = ContactFactory(customer=world.west_customer)
    bad = api.post(
        "/delivery/service/requests",
        {"customer": world.east_customer.pk, "kind": "fault", "subject": "x", "contact": other.pk},
    )
    assert bad.status_code == 422 and "contact" in bad.json()["errors"]
    hidden = api.post(
        "/delivery/service/requests", {"customer": world.west_customer.pk, "kind": "fault", "subject": "x"}
    )
    assert hidden.status_code == 404


def test_writes_need_if_match(world, api_as, open_request):
    sr = open_request(world.east_customer)
    api = api_as(world.east_rep)
    path = f"/delivery/service/requests/{sr.pk}"
    assert api.patch(path, {"priority": "urgent"}).status_code == 428
    assert api.patch(path, {"priority": "urgent"}, if_match=7).status_code == 412
    ok = api.patch(path, {"priority": "urgent"}, if_match=1)
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    assert ok.json()["response_due_at"].startswith((T0 + 8 * H).strftime("%Y-%m-%dT"))
    assert api.post(f"{path}/status", {"status": "acknowledged"}, if_match=1).status_code == 412
    moved = api.post(f"{path}/status", {"status": "acknowledged"}, if_match=2)
    assert moved.status_code == 200 and moved.json()["first_response_at"]
    illegal = api.post(f"{path}/status", {"status": "closed"}, if_match=3)
    assert illegal.status_code == 409
    no_words = api.post(f"{path}/status", {"status": "resolved"}, if_match=3)
    assert no_words.status_code == 422 and "resolution" in no_words.json()["errors"]
    assert api.post(f"{path}/owner", {"owner": world.east_rep2.pk}).status_code == 428
    handed = api.post(f"{path}/owner", {"owner": world.east_rep2.pk}, if_match=3)
    assert handed.status_code == 200 and handed.json()["owner"]["id"] == world.east_rep2.pk
    assert ServiceRequest.objects.get(pk=sr.pk).version == 4


def test_other_teams_request_is_a_404(world, api_as, open_request):
    sr = open_request(world.east_customer)
    api = api_as(world.west_rep)
    assert api.get(f"/delivery/service/requests/{sr.pk}").status_code == 404
    assert api.patch(f"/delivery/service/requests/{sr.pk}", {"subject": "x"}, if_match=1).status_code == 404
    assert api.get("/delivery/service/requests").json()["count"] == 0


def test_at_risk_attainment_kinds_and_targets(world, api_as, open_request):
    sr = open_request(world.east_customer, priority="urgent")
    services.watch(T0 + 9 * H)
    mgr = api_as(world.east_mgr)
    at_risk = mgr.get("/delivery/service/at-risk").json()
    assert at_risk["count"] == 1 and at_risk["items"][0]["id"] == sr.pk
    report = mgr.get("/delivery/service/sla/attainment", {"month": "2026-03"}).json()
    assert report["month"] == "2026-03" and report["total"]["resolved"] == 0
    assert mgr.get("/delivery/service/sla/attainment", {"month": "03/2026"}).status_code == 422
    assert {k["code"] for k in mgr.get("/delivery/service/kinds").json()} >= {"fault", "complaint"}
    assert len(mgr.get("/delivery/service/sla/targets").json()) == 16


def test_the_list_reads_a_page_in_a_fixed_number_of_statements(
    world, api_as, open_request, django_assert_max_num_queries
):
    api = api_as(world.east_rep)
    for _ in range(3):
        open_request(world.east_customer)
    with django_assert_max_num_queries(8) as few:
        assert api.get("/delivery/service/requests").json()["count"] == 3
    for _ in range(10):
        open_request(world.east_customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/delivery/service/requests").json()["count"] == 13
