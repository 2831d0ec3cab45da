"""The pool page, its claim and decision buttons, the top bar's count, the JSON endpoints, the
command; statements pinned on the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kam.customers.models import Customer, PoolReturnRequest, ReturnStatus, Segment, Tier
from kam.customers.pool import services
from tests.customers.pool.conftest import days_ago, held_since, today
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def pooled(customer: Customer, **fields) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(
        in_pool=True, pooled_at=timezone.now(), previous_owner=customer.owner, **fields
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def pool(world):
    rows = [
        pooled(
            CustomerFactory(owner=world.west_rep, name=f"Pooled {n}", region="North" if n % 2 else "South")
        )
        for n in range(6)
    ]
    pooled(world.west_customer, tier=Tier.A, segment=Segment.KEY, industry="Power")
    return rows


def test_the_pool_page_lists_pooled_customers_with_filters(
    client, world, pool, django_assert_max_num_queries
):
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("customers:pool"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Pooled 0" in page and "West Power" in page and "East Steel" not in page
    assert response.context["page"].paginator.count == 7
    north = client.get(reverse("customers:pool"), {"region": "North"})
    assert {c.name for c in north.context["page"].object_list} == {"Pooled 1", "Pooled 3", "Pooled 5"}
    assert [c.name for c in client.get(reverse("customers:pool"), {"tier": "A"}).context["page"]] == [
        "West Power"
    ]
    assert [c.name for c in client.get(reverse("customers:pool"), {"q": "west"}).context["page"]] == [
        "West Power"
    ]


def test_the_page_statements_do_not_grow_with_the_pool(client, world, pool, django_assert_max_num_queries):
    client.force_login(world.east_rep)
    for n in range(20):
        pooled(CustomerFactory(owner=world.west_rep, name=f"More {n}"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("customers:pool")).status_code == 200


def test_a_pooled_customer_page_opens_for_any_rep_and_a_held_one_does_not(client, world, pool):
    client.force_login(world.east_rep)
    page = client.get(reverse("customers:detail", args=[world.west_customer.pk]))
    assert page.status_code == 200
    assert reverse("customers:pool_claim", args=[world.west_customer.pk]) in page.content.decode()
    held = CustomerFactory(owner=world.west_rep)
    assert client.get(reverse("customers:detail", args=[held.pk])).status_code == 404


def test_claim_from_the_page(client, world, pool):
    client.force_login(world.east_rep)
    response = client.post(reverse("customers:pool_claim", args=[pool[0].pk]))
    assert response.status_code == 302
    assert Customer.objects.get(pk=pool[0].pk).owner == world.east_rep
    # Claiming a customer that is not in the pool any more: a 404, as for any record out of reach.
    assert client.post(reverse("customers:pool_claim", args=[pool[0].pk])).status_code == 404


def test_a_claim_with_duplicates_asks_for_confirmation(client, world, pool):
    CustomerFactory(owner=world.west_mgr, name="Pooled 1 Ltd")
    client.force_login(world.east_rep)
    response = client.post(reverse("customers:pool_claim", args=[pool[1].pk]))
    assert response.status_code == 409
    assert "Pooled 1 Ltd" in response.content.decode()
    assert Customer.objects.get(pk=pool[1].pk).in_pool
    response = client.post(reverse("customers:pool_claim", args=[pool[1].pk]), {"confirm_duplicates": "on"})
    assert response.status_code == 302
    assert not Customer.objects.get(pk=pool[1].pk).in_pool


def key_request(world) -> Customer:
    customer = world.east_customer
    Customer.objects.filter(pk=customer.pk).update(tier=Tier.A, segment=Segment.KEY)
    held_since(customer, days_ago(200))
    services.run_pass(today())
    return customer


def test_a_manager_approves_on_the_page_and_a_rep_cannot(client, world):
    customer = key_request(world)
    client.force_login(world.east_mgr)
    page = client.get(reverse("customers:pool"))
    assert [r.customer_id for r in page.context["requests"]] == [customer.pk]
    client.force_login(world.east_rep2)
    refused = client.post(reverse("customers:pool_decide", args=[customer.pk]), {"decision": "approve"})
    assert refused.status_code == 404  # the colleague's customer is out of the rep's view
    client.force_login(world.east_rep)
    assert (
        client.post(reverse("customers:pool_decide", args=[customer.pk]), {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("customers:pool_decide", args=[customer.pk]), {"decision": "reject", "note": "Renewal due"}
    )
    assert response.status_code == 302
    request = PoolReturnRequest.objects.get(customer=customer)
    assert (request.status, request.note) == (ReturnStatus.REJECTED, "Renewal due")


def test_the_top_bar_counts_the_customers_about_to_return(client, world, django_assert_max_num_queries):
    held_since(world.east_customer, days_ago(28))
    services.run_pass(today())
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(6):
        badge = client.get(reverse("customers:pool_badge"))
    assert ">1</span>" in badge.content.decode()
    client.force_login(world.west_rep)
    assert client.get(reverse("customers:pool_badge")).content.decode().strip() == ""
    home = client.get(reverse("customers:list"))
    assert reverse("customers:pool_badge") in home.content.decode()


def test_the_api_lists_claims_and_decides(api_as, world, pool, django_assert_max_num_queries):
    rep = api_as(world.east_rep)
    with django_assert_max_num_queries(8):
        listed = rep.get("/customers/pool", {"limit": 3})
    body = listed.json()
    assert body["count"] == 7 and len(body["items"]) == 3
    assert body["allowance"] == {"limit": 10, "window_days": 90, "used": 0, "left": 10}
    assert rep.get("/customers/pool", {"segment": "key"}).json()["items"][0]["name"] == "West Power"
    claimed = rep.post(f"/customers/pool/{pool[2].pk}/claim", {})
    assert claimed.status_code == 200
    assert Customer.objects.get(pk=pool[2].pk).owner == world.east_rep
    assert rep.post(f"/customers/pool/{pool[2].pk}/claim", {}).status_code == 404
    assert rep.post(f"/customers/pool/{pool[3].pk}/claim", {"unknown": 1}).status_code == 422


def test_the_api_shows_the_owner_and_the_manager_their_lists(api_as, world):
    customer = key_request(world)
    about = api_as(world.east_rep).get("/customers/pool/about-to-return").json()
    assert [(r["customer"]["id"], r["awaiting_approval"]) for r in about] == [(customer.pk, True)]
    manager = api_as(world.east_mgr)
    assert [r["customer"]["id"] for r in manager.get("/customers/pool/requests").json()] == [customer.pk]
    assert api_as(world.west_mgr).get("/customers/pool/requests").json() == []
    assert api_as(world.west_mgr).post(f"/customers/pool/{customer.pk}/approve", {}).status_code == 404
    approved = manager.post(f"/customers/pool/{customer.pk}/approve", {"note": "ok"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Customer.objects.get(pk=customer.pk).in_pool


def test_the_command_runs_the_pass_for_a_day(world, capsys):
    held_since(world.east_customer, days_ago(10))
    call_command("pool", "run", "--date", (today() + dt.timedelta(days=21)).isoformat())
    assert "returned 1" in capsys.readouterr().out
    assert Customer.objects.get(pk=world.east_customer.pk).in_pool


def test_the_pool_page_speaks_chinese(client, world, pool, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(world.east_rep)
    page = client.get(reverse("customers:pool"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "公海中有 7 个客户" in page and "领取" in page
