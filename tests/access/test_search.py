"""Finding records by pinyin (kam.core.pinyin): the top-bar search, the pickers and the API's `q`,
each only within what the user may see; the keys kept on create, rename and bulk paths."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.access.search import search
from kam.customers import services as customer_services
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.relationships import services as contact_services
from kam.relationships.models import Contact
from tests.factories import ContactFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

TYPED = ["zhongguoyidong", "ZGYD", "zhong guo yi dong", "Zhongguo Yidong", "中国移动", "yidong"]


@pytest.fixture
def cmcc(world):
    """中国移动 in both teams: the east rep's record and the west rep's, each with a contact and a deal."""
    east = CustomerFactory(name="中国移动通信集团江苏有限公司", short_name="江苏移动", owner=world.east_rep)
    west = CustomerFactory(name="中国移动通信集团广东有限公司", short_name="广东移动", owner=world.west_rep)
    east_contact = ContactFactory(customer=east, name="张中国")
    west_contact = ContactFactory(customer=west, name="张国栋")
    east_deal = make_opportunity(owner=world.east_rep, customer=east, name="中国移动核心网扩容")
    west_deal = make_opportunity(owner=world.west_rep, customer=west, name="中国移动数据中心")
    return {
        "east": east,
        "west": west,
        "east_contact": east_contact,
        "west_contact": west_contact,
        "east_deal": east_deal,
        "west_deal": west_deal,
    }


def test_keys_are_set_on_create(cmcc):
    east = Customer.objects.get(pk=cmcc["east"].pk)
    assert "zgyd" in east.search_key and "jiangsuyidong" in east.search_key
    assert Contact.objects.get(pk=cmcc["east_contact"].pk).search_key == "zhangzhongguo zzg"
    assert Opportunity.objects.get(pk=cmcc["east_deal"].pk).search_key.startswith("zhongguoyidong")


@pytest.mark.parametrize("typed", TYPED)
def test_the_top_bar_search_finds_by_pinyin_what_the_user_sees(world, cmcc, typed):
    groups = {g.kind: g for g in search(world.east_rep, typed)}
    assert [h.label for h in groups["customers"].hits] == [cmcc["east"].name]
    assert [h.label for h in groups["opportunities"].hits] == [cmcc["east_deal"].name]
    # The director sees both teams' records.
    director = {g.kind: g for g in search(world.director, typed)}
    assert len(director["customers"].hits) == 2 and len(director["opportunities"].hits) == 2


def test_the_search_finds_contacts_by_initials(world, cmcc):
    groups = {g.kind: g for g in search(world.east_rep, "zzg")}
    assert [h.label for h in groups["contacts"].hits] == ["张中国"]
    assert search(world.east_rep, "zgd")[1].hits == []  # 张国栋 is the west team's
    assert [h.label for h in search(world.west_rep, "zgd")[1].hits] == ["张国栋"]


def test_the_search_page_groups_links_by_kind(client, world, cmcc):
    client.force_login(world.east_rep)
    response = client.get(reverse("search"), {"q": "zgyd"})
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("customers:detail", args=[cmcc["east"].pk]) in page
    assert reverse("opportunities:detail", args=[cmcc["east_deal"].pk]) in page
    assert reverse("customers:detail", args=[cmcc["west"].pk]) not in page
    assert 'id="search-customers"' in page and 'id="search-opportunities"' in page
    # Every page's top bar holds the search box.
    assert 'id="topsearch-q"' in page and f'action="{reverse("search")}"' in page
    partial = client.get(reverse("search"), {"q": "zzg"}, HTTP_HX_REQUEST="true").content.decode()
    assert (
        "<html" not in partial and reverse("relationships:detail", args=[cmcc["east_contact"].pk]) in partial
    )


def test_the_search_reads_three_queries(client, world, cmcc, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        search(world.east_rep, "zgyd")
    with django_assert_max_num_queries(0):
        search(world.east_rep, " ,. ")


def pick(client, kind: str, q: str) -> list[str]:
    response = client.get(reverse(f"pick_{kind}"), {"q": q})
    assert response.status_code == 200
    return [item["label"] for item in response.json()["items"]]


def test_the_pickers_find_by_pinyin_within_what_the_user_sees(client, world, cmcc):
    world.east_rep2.name = "欧阳晓明"
    world.east_rep2.save()
    client.force_login(world.east_rep)
    assert pick(client, "customers", "gdyd") == []
    assert pick(client, "customers", "jsyd") == ["中国移动通信集团江苏有限公司 (江苏移动)"]
    assert pick(client, "customers", "zhongguoyidong") == ["中国移动通信集团江苏有限公司 (江苏移动)"]
    assert [label.split(" · ")[0] for label in pick(client, "contacts", "ZZG")] == ["张中国"]
    assert pick(client, "contacts", "zgd") == []
    client.force_login(world.east_mgr)
    assert pick(client, "users", "oyxm") == ["欧阳晓明"]
    assert pick(client, "users", "ouyang") == ["欧阳晓明"]


def test_the_api_q_finds_by_pinyin_within_what_the_user_sees(api_as, world, cmcc):
    api = api_as(world.east_rep)
    customers = api.get("/customers", {"q": "zgyd"}).json()
    assert [c["name"] for c in customers["items"]] == [cmcc["east"].name]
    contacts = api.get("/contacts", {"q": "zhangzhongguo"}).json()
    assert [c["name"] for c in contacts["items"]] == ["张中国"]
    assert api.get("/contacts", {"q": "zgd"}).json()["count"] == 0
    deals = api.get("/opportunities", {"q": "ZGYD HXW"}).json()
    assert [d["name"] for d in deals["items"]] == ["中国移动核心网扩容"]
    # 中国移动数据中心 is the west team's.
    assert api.get("/opportunities", {"q": "zgydsjzx"}).json()["items"] == []
    # A deal is found by its customer's pinyin too.
    assert [d["name"] for d in api.get("/opportunities", {"q": "jiangsuyidong"}).json()["items"]] == [
        "中国移动核心网扩容"
    ]


def test_a_rename_moves_the_key(world, cmcc):
    customer = cmcc["east"]
    customer_services.update_customer(
        customer, by=world.east_rep, version=customer.version, short_name="苏移"
    )
    assert "suyi sy" in Customer.objects.get(pk=customer.pk).search_key
    contact = cmcc["east_contact"]
    contact_services.update_contact(contact, by=world.east_rep, version=contact.version, name="李华")
    assert Contact.objects.get(pk=contact.pk).search_key == "lihua lh"
    assert [h.label for h in search(world.east_rep, "lihua")[1].hits] == ["李华"]


def test_bulk_create_keeps_the_key(world):
    Contact.objects.bulk_create([Contact(customer=world.east_customer, name="王小二")])
    assert Contact.objects.get(name="王小二").search_key == "wangxiaoer wxe"


def test_postgresql_serves_the_inner_match_from_a_trigram_index(world, cmcc):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a trigram index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search_key_trgm"])
        names = {row[0] for row in cursor.fetchall()}
        assert names == {
            "customers_customer_search_key_trgm",
            "relationships_contact_search_key_trgm",
            "opportunities_opportunity_search_key_trgm",
        }
        # The search's condition, planned as if the table were large: no reading of every row, by the
        # table or by walking a whole b-tree (which a handful of rows makes cheapest).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Customer.objects.filter(search_key__contains="zgyd").order_by().explain()
    assert "customers_customer_search_key_trgm" in plan
