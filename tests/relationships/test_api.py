"""The contact API: contacts follow their customer's visibility; relationship levels keep history."""

from __future__ import annotations

import pytest

from kam.relationships.models import Contact, Relationship, RelationshipChange
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(world):
    class Contacts:
        east = ContactFactory(customer=world.east_customer, name="Zhang Wei", title="Plant manager")
        east_boss = ContactFactory(customer=world.east_customer, name="Li Na", title="General manager")
        west = ContactFactory(customer=world.west_customer, name="Wang Fang")

    return Contacts


def test_list_by_customer_shows_only_visible_contacts(world, contacts, api_as):
    rep = api_as(world.east_rep)
    body = rep.get("/contacts", {"customer": world.east_customer.pk}).json()
    assert {c["name"] for c in body["items"]} == {"Zhang Wei", "Li Na"}
    assert body["count"] == 2
    assert body["items"][0]["customer"] == {"id": world.east_customer.pk, "name": "East Steel"}
    assert rep.get("/contacts", {"customer": world.west_customer.pk}).json() == {"items": [], "count": 0}
    assert {c["name"] for c in rep.get("/contacts").json()["items"]} == {"Zhang Wei", "Li Na"}
    assert {c["name"] for c in rep.get("/contacts", {"q": "general"}).json()["items"]} == {"Li Na"}


def test_detail_has_etag_and_other_teams_contact_is_404(world, contacts, api_as):
    rep = api_as(world.east_rep)
    response = rep.get(f"/contacts/{contacts.east.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["title"] == "Plant manager"
    assert rep.get(f"/contacts/{contacts.west.pk}").status_code == 404
    assert rep.get(f"/contacts/{contacts.west.pk}/relationships").status_code == 404


def test_create_contact_under_a_visible_customer(world, contacts, api_as):
    response = api_as(world.east_rep).post(
        "/contacts",
        {
            "customer": world.east_customer.pk,
            "name": "Chen Jie",
            "reports_to": contacts.east_boss.pk,
            "mobile": "13812345678",
            "rank": "high",
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["reports_to"] == {"id": contacts.east_boss.pk, "name": "Li Na"}
    assert Contact.objects.get(pk=body["id"]).customer == world.east_customer


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mobile": "12345"}, "mobile"),
        ({"email": "not-an-address"}, "email"),
        ({"influence": 9}, "influence"),
        ({"rank": "boss"}, "rank"),
        ({"name": ""}, "name"),
    ],
)
def test_create_with_bad_input_is_422_and_nothing_saved(world, contacts, api_as, body, field):
    before = Contact.objects.count()
    response = api_as(world.east_rep).post(
        "/contacts", {"customer": world.east_customer.pk, "name": "X", **body}
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Contact.objects.count() == before


def test_create_under_an_invisible_customer_or_manager_is_422(world, contacts, api_as):
    rep = api_as(world.east_rep)
    hidden_customer = rep.post("/contacts", {"customer": world.west_customer.pk, "name": "X"})
    assert hidden_customer.status_code == 422
    assert "customer" in hidden_customer.json()["errors"]
    hidden_manager = rep.post(
        "/contacts", {"customer": world.east_customer.pk, "name": "X", "reports_to": contacts.west.pk}
    )
    assert hidden_manager.status_code == 422
    assert "reports_to" in hidden_manager.json()["errors"]


def test_patch_needs_if_match_and_refuses_stale_versions(world, contacts, api_as):
    rep = api_as(world.east_rep)
    path = f"/contacts/{contacts.east.pk}"
    assert rep.patch(path, {"title": "Deputy GM"}).status_code == 428
    ok = rep.patch(path, {"title": "Deputy GM"}, if_match=1)
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    stale = rep.patch(path, {"title": "Intern"}, if_match=1)
    assert stale.status_code == 412
    contacts.east.refresh_from_db()
    assert (contacts.east.title, contacts.east.version) == ("Deputy GM", 2)


def test_patch_refuses_an_org_chart_cycle(world, contacts, api_as):
    rep = api_as(world.east_rep)
    assert (
        rep.patch(
            f"/contacts/{contacts.east.pk}", {"reports_to": contacts.east_boss.pk}, if_match=1
        ).status_code
        == 200
    )
    response = rep.patch(f"/contacts/{contacts.east_boss.pk}", {"reports_to": contacts.east.pk}, if_match=1)
    assert response.status_code == 422
    assert "reports_to" in response.json()["errors"]


def test_rep_cannot_update_or_rate_other_teams_contact(world, contacts, api_as):
    rep = api_as(world.east_rep)
    assert rep.patch(f"/contacts/{contacts.west.pk}", {"name": "X"}, if_match=1).status_code == 404
    assert rep.post(f"/contacts/{contacts.west.pk}/relationship", {"level": 5}).status_code == 404
    contacts.west.refresh_from_db()
    assert (contacts.west.name, contacts.west.version) == ("Wang Fang", 1)
    assert not Relationship.objects.filter(contact=contacts.west).exists()


def test_set_relationship_defaults_to_the_caller_and_keeps_history(world, contacts, api_as):
    rep = api_as(world.east_rep)
    path = f"/contacts/{contacts.east.pk}/relationship"
    assert rep.post(path, {"level": 2, "note": "First dinner"}).status_code == 200
    response = rep.post(path, {"level": 4, "note": "Site visit went well"})
    assert response.status_code == 200
    body = response.json()
    assert body["company_level"] == 4
    assert body["levels"] == [
        {
            "user": {"id": world.east_rep.pk, "name": world.east_rep.name},
            "level": 4,
            "updated_at": body["levels"][0]["updated_at"],
        }
    ]
    assert [(h["from_level"], h["to_level"], h["note"]) for h in body["history"]] == [
        (2, 4, "Site visit went well"),
        (None, 2, "First dinner"),
    ]
    assert rep.get(f"/contacts/{contacts.east.pk}/relationships").json() == body


def test_manager_sets_a_team_members_level_but_not_another_teams(world, contacts, api_as):
    manager = api_as(world.east_mgr)
    path = f"/contacts/{contacts.east.pk}/relationship"
    assert (
        manager.post(path, {"user": world.east_rep2.pk, "level": 3, "note": "Site visit"}).status_code == 200
    )
    assert Relationship.objects.get(contact=contacts.east, user=world.east_rep2).level == 3
    refused = manager.post(path, {"user": world.west_rep.pk, "level": 3, "note": "x"})
    assert refused.status_code == 422
    assert "user" in refused.json()["errors"]


@pytest.mark.parametrize("level", [0, 6, "CR3", None])
def test_relationship_level_outside_cr1_to_cr5_is_422(world, contacts, api_as, level):
    response = api_as(world.east_rep).post(f"/contacts/{contacts.east.pk}/relationship", {"level": level})
    assert response.status_code == 422
    assert "level" in response.json()["errors"]
    assert not RelationshipChange.objects.exists()
