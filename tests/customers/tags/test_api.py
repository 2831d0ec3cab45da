"""The tags API and the customer list's filters and sorts over JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam.customers.models import Customer, CustomerChange, CustomerTag, Tag, TagKind
from kam.customers.tags import services as tags
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def put(api, path: str):
    return api.client.put("/api/v1" + path, **api._headers())


def delete(api, path: str, if_match=None):
    return api.client.delete("/api/v1" + path, **api._headers(if_match))


@pytest.fixture
def cement(world):
    huaxin = CustomerFactory(name="Huaxin Cement", owner=world.east_rep, industry="Cement", region="Hubei")
    anhui = CustomerFactory(name="Anhui Conch", owner=world.east_rep2, industry="Cement", region="Anhui")
    Customer.objects.filter(pk=huaxin.pk).update(score=Decimal("80"), tier="A", segment="key")
    Customer.objects.filter(pk=anhui.pk).update(score=Decimal("60"), tier="B")
    Customer.objects.exclude(pk__in=[huaxin.pk, anhui.pk]).update(score=None)
    return huaxin, anhui


# --- GET /customers: filters and sort ---------------------------------------------------------------


def test_list_filters_by_tag_static_and_dynamic(world, api_as, cement):
    huaxin, anhui = cement
    vip = tags.create_tag(by=world.east_rep2, name="VIP")
    tags.attach_tag(anhui, vip, by=world.east_rep2)
    hot = tags.create_tag(
        by=world.director, name="Hot", kind=TagKind.DYNAMIC, rule={"industry": "Cement", "score_min": 70}
    )
    director = api_as(world.director)
    assert names(director.get("/customers", {"tag": vip.pk})) == ["Anhui Conch"]
    assert names(director.get("/customers", {"tag": hot.pk})) == ["Huaxin Cement"]
    assert names(api_as(world.west_rep).get("/customers", {"tag": hot.pk})) == []


def test_list_filters_by_team_industry_region_group_and_score(world, api_as, cement):
    north = TeamFactory(name="East North", parent=world.east)
    CustomerFactory(name="North Mill", owner=UserFactory(team=north))
    group = CustomerFactory(name="Steel Group", owner=world.west_rep)
    CustomerFactory(name="Steel Sub", owner=world.west_rep, parent=group)
    director = api_as(world.director)
    assert "North Mill" in names(director.get("/customers", {"team": world.east.pk}))
    assert "West Power" not in names(director.get("/customers", {"team": world.east.pk}))
    assert names(director.get("/customers", {"industry": "Cement", "region": "Anhui"})) == ["Anhui Conch"]
    assert names(director.get("/customers", {"parent": group.pk})) == ["Steel Group", "Steel Sub"]
    assert names(director.get("/customers", {"score_min": "60", "score_max": "80"})) == [
        "Anhui Conch",
        "Huaxin Cement",
    ]
    assert names(director.get("/customers", {"score_min": "60.5"})) == ["Huaxin Cement"]
    assert names(director.get("/customers", {"q": "cement", "tier": "A"})) == ["Huaxin Cement"]


def test_list_sorts_by_score_with_unscored_last(world, api_as, cement):
    director = api_as(world.director)
    ascending = names(director.get("/customers", {"sort": "score"}))
    descending = names(director.get("/customers", {"sort": "-score"}))
    assert ascending[:2] == ["Anhui Conch", "Huaxin Cement"]
    assert descending[:2] == ["Huaxin Cement", "Anhui Conch"]
    assert (
        set(ascending[2:])
        == set(descending[2:])
        == {"East Steel", "West Power", world.east_opp2.customer.name}
    )
    by_pipeline = names(director.get("/customers", {"sort": "-open_amount", "limit": 3}))
    assert len(by_pipeline) == 3 and "Huaxin Cement" not in by_pipeline


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "bogus"}, "sort"),
        ({"sort": "--score"}, "sort"),
        ({"score_min": "80", "score_max": "60"}, "score_max"),
        ({"score_min": "101"}, "score_min"),
        ({"score_max": "-1"}, "score_max"),
        ({"score_min": "abc"}, "score_min"),
        ({"team": "x"}, "team"),
        ({"tag": 0}, "tag"),
        ({"tag": 999999}, "tag"),
        ({"team": 999999}, "team"),
        ({"open_pipeline_min": "-5"}, "open_pipeline_min"),
    ],
)
def test_list_refuses_bad_filters_with_422(world, api_as, params, field):
    response = api_as(world.director).get("/customers", params)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_a_group_the_caller_cannot_see_is_a_422(world, api_as):
    response = api_as(world.east_rep).get("/customers", {"parent": world.west_customer.pk})
    assert response.status_code == 422
    assert response.json()["errors"]["parent"] == ["Unknown customer."]


def test_list_query_count_does_not_grow_with_rows(world, api_as, django_assert_max_num_queries):
    api = api_as(world.director)
    tag = tags.create_tag(
        by=world.director, name="Makers", kind=TagKind.DYNAMIC, rule={"industry": "Manufacturing"}
    )
    vip = tags.create_tag(by=world.director, name="VIP")
    for index in range(30):
        customer = CustomerFactory(owner=world.east_rep)
        if index % 2:
            tags.attach_tag(customer, vip, by=world.director)
    # the token's address throttle, the token and its user, its last use, count, dynamic tags,
    # the page, its static tags, the rule's look-ups
    with django_assert_max_num_queries(9):
        body = api.get("/customers", {"tag": tag.pk, "sort": "-score", "limit": 200}).json()
    assert len(body["items"]) == 33
    # Each row carries its chips: static tags first, then the dynamic ones it matches.
    chips = [[t["name"] for t in item["tags"]] for item in body["items"]]
    assert chips.count(["VIP", "Makers"]) == 15 and chips.count(["Makers"]) == 18
    assert body["items"][0]["tags"][-1] == {
        "id": tag.pk,
        "name": "Makers",
        "kind": "dynamic",
        "color": tag.color,
    }


# --- Tags --------------------------------------------------------------------------------------------


def test_rep_creates_a_static_tag_but_not_a_dynamic_one(world, api_as):
    rep = api_as(world.east_rep)
    created = rep.post("/tags", {"name": "VIP", "color": "#aa0000", "description": "Top"})
    assert created.status_code == 201, created.content
    assert created["ETag"] == '"1"'
    body = created.json()
    assert body["kind"] == "static" and body["rule"] == {} and body["members"] == 0
    assert body["created_by"]["id"] == world.east_rep.pk
    refused = rep.post("/tags", {"name": "Hot", "kind": "dynamic", "rule": {"tier": "A"}})
    assert refused.status_code == 403
    assert not Tag.objects.filter(name="Hot").exists()


def test_manager_creates_a_dynamic_tag_and_bad_rules_are_422_with_field_messages(world, api_as):
    manager = api_as(world.east_mgr)
    bad = manager.post("/tags", {"name": "Hot", "kind": "dynamic", "rule": {"tier": "Z", "colour": "red"}})
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert errors["rule.tier"] == ["Unknown value “Z”; choose one of: A, B, C, D."]
    assert "Unknown filter “colour”" in errors["rule"][0]
    ok = manager.post(
        "/tags",
        {
            "name": "Hot",
            "kind": "dynamic",
            "rule": {"industry": "Manufacturing", "open_pipeline_min": 1000000},
        },
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["rule"] == {"industry": "Manufacturing", "open_pipeline_min": "1000000"}
    assert body["rule_summary"] == ["Industry: Manufacturing", "Open pipeline ≥ ¥1,000,000.00"]
    assert body["members"] == 2  # the east manager sees the two east customers, each with 1,000,000 open


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "color": "red"}, "color"),
        ({"name": "X", "kind": "smart"}, "kind"),
        ({"name": "X", "extra": 1}, "extra"),
        ({"name": "X", "rule": {"tier": "A"}}, "rule"),
    ],
)
def test_create_refuses_bad_input(world, api_as, body, field):
    response = api_as(world.east_mgr).post("/tags", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Tag.objects.exists()


def test_list_and_get_tags(world, api_as):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    tags.attach_tag(world.west_customer, vip, by=world.west_rep)
    rep = api_as(world.east_rep)
    listing = rep.get("/tags").json()
    assert listing["count"] == 1 and listing["items"][0]["members"] == 1
    one = rep.get(f"/tags/{vip.pk}")
    assert one.status_code == 200 and one["ETag"] == '"1"'
    assert one.json()["members"] == 1
    assert api_as(world.director).get(f"/tags/{vip.pk}").json()["members"] == 2
    assert rep.get("/tags/999999").status_code == 404


def test_patch_needs_if_match_and_refuses_stale_versions(world, api_as):
    tag = tags.create_tag(by=world.east_mgr, name="Hot", kind=TagKind.DYNAMIC, rule={"tier": "A"})
    manager = api_as(world.east_mgr)
    assert manager.patch(f"/tags/{tag.pk}", {"name": "Hotter"}).status_code == 428
    ok = manager.patch(f"/tags/{tag.pk}", {"name": "Hotter", "rule": {"tier": "B"}}, if_match=1)
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == '"2"' and ok.json()["rule"] == {"tier": "B"}
    stale = manager.patch(f"/tags/{tag.pk}", {"name": "Lost"}, if_match=1)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    selfref = manager.patch(f"/tags/{tag.pk}", {"rule": {"tag": tag.pk}}, if_match=2)
    assert selfref.status_code == 422
    assert selfref.json()["errors"]["rule.tag"] == ["A dynamic tag cannot refer to itself."]
    assert manager.patch(f"/tags/{tag.pk}", {"name": None}, if_match=2).status_code == 422
    assert Tag.objects.get(pk=tag.pk).name == "Hotter"


def test_rep_cannot_patch_or_delete_a_tag_they_did_not_make(world, api_as):
    tag = tags.create_tag(by=world.east_mgr, name="VIP")
    rep = api_as(world.east_rep)
    assert rep.patch(f"/tags/{tag.pk}", {"name": "Mine"}, if_match=1).status_code == 403
    assert delete(rep, f"/tags/{tag.pk}").status_code == 403
    assert Tag.objects.get(pk=tag.pk).name == "VIP"


def test_delete_removes_the_tag_and_its_attachments(world, api_as):
    tag = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, tag, by=world.east_rep)
    rep = api_as(world.east_rep)
    assert delete(rep, f"/tags/{tag.pk}", if_match=5).status_code == 412
    assert delete(rep, f"/tags/{tag.pk}", if_match=1).status_code == 204
    assert not Tag.objects.exists() and not CustomerTag.objects.exists()
    assert (
        CustomerChange.objects.filter(customer=world.east_customer)
        .first()
        .summary_en.startswith("Tag removed")
    )


def test_delete_of_a_tag_another_dynamic_tag_uses_is_409(world, api_as):
    vip = tags.create_tag(by=world.director, name="VIP")
    tags.create_tag(by=world.director, name="East VIP", kind=TagKind.DYNAMIC, rule={"tag": vip.pk})
    response = delete(api_as(world.director), f"/tags/{vip.pk}")
    assert response.status_code == 409
    assert "East VIP" in response.json()["message"]


def test_tag_customers_are_the_visible_members_paginated(world, api_as):
    tag = tags.create_tag(
        by=world.director, name="Makers", kind=TagKind.DYNAMIC, rule={"industry": "Manufacturing"}
    )
    rep = api_as(world.east_rep)
    assert names(rep.get(f"/tags/{tag.pk}/customers")) == ["East Steel"]
    director = api_as(world.director)
    page = director.get(f"/tags/{tag.pk}/customers", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert director.get(f"/tags/{tag.pk}/customers", {"limit": 500}).status_code == 422
    assert director.get("/tags/999999/customers").status_code == 404


def test_put_and_delete_a_static_tag_on_a_customer(world, api_as):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    rep = api_as(world.east_rep)
    path = f"/customers/{world.east_customer.pk}/tags/{vip.pk}"
    first = put(rep, path)
    assert first.status_code == 200, first.content
    assert [t["name"] for t in first.json()["static"]] == ["VIP"]
    assert put(rep, path).status_code == 200
    assert CustomerTag.objects.count() == 1
    assert (
        CustomerChange.objects.filter(customer=world.east_customer, summary_en="Tag added: VIP").count() == 1
    )
    listed = rep.get(f"/customers/{world.east_customer.pk}/tags").json()
    assert [t["name"] for t in listed["static"]] == ["VIP"] and listed["dynamic"] == []
    assert delete(rep, path).status_code == 204
    assert not CustomerTag.objects.exists()


def test_a_dynamic_tag_cannot_be_put_on_a_customer(world, api_as):
    tag = tags.create_tag(
        by=world.director, name="Makers", kind=TagKind.DYNAMIC, rule={"industry": "Manufacturing"}
    )
    rep = api_as(world.east_rep)
    path = f"/customers/{world.east_customer.pk}/tags/{tag.pk}"
    response = put(rep, path)
    assert response.status_code == 409
    assert response.json()["errors"]["tag"] == ["Only static tags are put on or taken off by hand."]
    assert delete(rep, path).status_code == 409
    assert [t["name"] for t in rep.get(f"/customers/{world.east_customer.pk}/tags").json()["dynamic"]] == [
        "Makers"
    ]


def test_rep_of_another_team_gets_404_on_that_teams_customer(world, api_as):
    vip = tags.create_tag(by=world.west_rep, name="VIP")
    west = api_as(world.west_rep)
    path = f"/customers/{world.east_customer.pk}/tags/{vip.pk}"
    assert put(west, path).status_code == 404
    assert delete(west, path).status_code == 404
    assert west.get(f"/customers/{world.east_customer.pk}/tags").status_code == 404
    assert put(west, f"/customers/{world.west_customer.pk}/tags/999999").status_code == 404
    assert not CustomerTag.objects.exists()
