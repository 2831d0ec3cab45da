from urllib.parse import urlencode

import pytest
from django.urls import reverse

from kam.relationships import services
from kam.relationships.models import Contact, Influence, Relationship, RelationshipChange
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def contact_post(**overrides):
    data = {
        "name": "Li Na",
        "title": "Purchasing director",
        "department": "Purchasing",
        "reports_to": "",
        "rank": "mid_high",
        "influence": "4",
        "mobile": "13812345678",
        "phone": "",
        "email": "li.na@example.com",
        "wechat": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def edit_post(contact, **overrides):
    data = contact_post(
        name=contact.name,
        title=contact.title,
        department=contact.department,
        reports_to=contact.reports_to_id or "",
        rank=contact.rank,
        influence=contact.influence,
        mobile=contact.mobile,
        email=contact.email,
    )
    data["version"] = contact.version
    data.update(overrides)
    return data


@pytest.fixture
def east_contact(world):
    return ContactFactory(customer=world.east_customer, name="Zhang Wei", title="General manager")


@pytest.fixture
def west_contact(world):
    return ContactFactory(customer=world.west_customer, name="Wang Fang", title="Chief engineer")


# --- create and edit ------------------------------------------------------------------------------


def test_rep_adds_a_contact_to_their_customer(client, world, east_contact):
    client.force_login(world.east_rep)
    url = f"{reverse('relationships:create')}?customer={world.east_customer.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["nav"] == "customers"
    assert list(page.context["form"].fields["reports_to"].queryset) == [east_contact]
    response = client.post(url, contact_post(reports_to=east_contact.pk))
    contact = Contact.objects.get(name="Li Na")
    assert response.status_code == 302
    assert response["Location"] == reverse("relationships:detail", args=[contact.pk])
    assert contact.customer == world.east_customer
    assert contact.reports_to == east_contact
    assert contact.influence == 4


def test_contact_form_refuses_a_manager_from_another_customer(client, world, west_contact):
    client.force_login(world.director)
    url = f"{reverse('relationships:create')}?customer={world.east_customer.pk}"
    response = client.post(url, contact_post(reports_to=west_contact.pk))
    assert response.status_code == 400
    assert "reports_to" in response.context["form"].errors
    assert not Contact.objects.filter(name="Li Na").exists()


def test_contact_form_shows_field_errors(client, world):
    client.force_login(world.east_rep)
    url = f"{reverse('relationships:create')}?customer={world.east_customer.pk}"
    response = client.post(url, contact_post(name=""))
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    # The model's own rules (mobile format, influence 1–5) come back from the service onto the fields.
    response = client.post(url, contact_post(mobile="12345", influence="9"))
    assert response.status_code == 400
    assert {"mobile", "influence"} <= set(response.context["form"].errors)
    assert not Contact.objects.exists()


def test_create_needs_a_visible_customer(client, world):
    client.force_login(world.east_rep)
    base = reverse("relationships:create")
    assert client.get(base).status_code == 404
    assert client.get(f"{base}?customer=abc").status_code == 404
    assert client.get(f"{base}?customer={world.west_customer.pk}").status_code == 404
    response = client.post(f"{base}?customer={world.west_customer.pk}", contact_post())
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_rep_edits_a_contact(client, world, east_contact):
    client.force_login(world.east_rep)
    url = reverse("relationships:edit", args=[east_contact.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert east_contact not in page.context["form"].fields["reports_to"].queryset
    response = client.post(url, edit_post(east_contact, title="Chairman", rank="high"))
    assert response.status_code == 302
    east_contact.refresh_from_db()
    assert east_contact.title == "Chairman"
    assert east_contact.rank == "high"
    assert east_contact.version == 2


def test_reports_to_cycle_shows_the_services_message_on_the_field(client, world, east_contact):
    deputy = ContactFactory(customer=world.east_customer, name="Deputy", reports_to=east_contact)
    client.force_login(world.east_rep)
    response = client.post(
        reverse("relationships:edit", args=[east_contact.pk]), edit_post(east_contact, reports_to=deputy.pk)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["reports_to"]
    assert "cycle" in errors[0]
    assert "Deputy" in response.content.decode()
    east_contact.refresh_from_db()
    assert east_contact.reports_to_id is None


def test_stale_contact_edit_is_a_conflict_and_saves_nothing(client, world, east_contact):
    client.force_login(world.east_rep)
    url = reverse("relationships:edit", args=[east_contact.pk])
    stale = edit_post(east_contact, title="Mine")
    assert client.post(url, edit_post(east_contact, title="Theirs")).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 409
    assert b"someone else changed this contact" in response.content
    east_contact.refresh_from_db()
    assert east_contact.title == "Theirs"


# --- contact page ---------------------------------------------------------------------------------


def test_contact_page_shows_fields_relationships_history_and_influence(client, world, east_contact):
    deputy = ContactFactory(customer=world.east_customer, name="Deputy Liu", reports_to=east_contact)
    services.set_relationship_level(east_contact, world.east_rep, 2, by=world.east_rep, note="First visit")
    services.set_relationship_level(
        east_contact, world.east_rep, 3, by=world.east_mgr, note="Dinner together"
    )
    services.set_relationship_level(
        east_contact, world.east_mgr, 4, by=world.east_mgr, note="Met at the plant"
    )
    services.add_influence(deputy, east_contact, by=world.east_rep, note="Trusted adviser")
    services.add_influence(east_contact, deputy, by=world.east_rep)
    client.force_login(world.east_rep)
    response = client.get(reverse("relationships:detail", args=[east_contact.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav"] == "customers"
    assert "Zhang Wei" in body and "General manager" in body
    assert response.context["company_level"] == 4
    assert [(r.user, r.level) for r in response.context["relationships"]] == [
        (world.east_mgr, 4),
        (world.east_rep, 3),
    ]
    history = response.context["history"]
    assert [(c.from_level, c.to_level) for c in history] == [(None, 4), (2, 3), (None, 2)]
    assert "Dinner together" in body and "First visit" in body
    assert [i.source for i in response.context["influences_in"]] == [deputy]
    assert [i.target for i in response.context["influences_out"]] == [deputy]
    assert "Trusted adviser" in body
    assert [c.pk for c in response.context["reports"]] == [deputy.pk]
    assert response.context["level_form"].initial["user"].pk == world.east_rep.pk


def test_rep_sets_their_relationship_level(client, world, east_contact):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("relationships:set_level", args=[east_contact.pk]),
        {"user": world.east_rep.pk, "level": "3", "note": "Lunch after the demo"},
    )
    assert response.status_code == 302
    assert Relationship.objects.get(contact=east_contact, user=world.east_rep).level == 3
    change = RelationshipChange.objects.get(contact=east_contact)
    assert (change.from_level, change.to_level, change.changed_by, change.note) == (
        None,
        3,
        world.east_rep,
        "Lunch after the demo",
    )


def test_manager_records_a_level_for_a_team_member(client, world, east_contact):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("relationships:set_level", args=[east_contact.pk]),
        {"user": world.east_rep2.pk, "level": "2", "note": "Technical exchange"},
    )
    assert response.status_code == 302
    change = RelationshipChange.objects.get(contact=east_contact)
    assert change.user == world.east_rep2
    assert change.changed_by == world.east_mgr


def test_rep_cannot_record_a_level_for_someone_outside_their_view(client, world, east_contact):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("relationships:set_level", args=[east_contact.pk]), {"user": world.west_rep.pk, "level": "5"}
    )
    assert response.status_code == 400
    assert "user" in response.context["level_form"].errors
    assert not Relationship.objects.exists()


def test_level_outside_cr1_to_cr5_is_refused(client, world, east_contact):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("relationships:set_level", args=[east_contact.pk]), {"user": world.east_rep.pk, "level": "6"}
    )
    assert response.status_code == 400
    assert "level" in response.context["level_form"].errors
    assert not RelationshipChange.objects.exists()


def test_influence_lines_are_added_in_both_directions(client, world, east_contact):
    deputy = ContactFactory(customer=world.east_customer, name="Deputy")
    engineer = ContactFactory(customer=world.east_customer, name="Engineer")
    client.force_login(world.east_rep)
    url = reverse("relationships:add_influence", args=[east_contact.pk])
    assert client.post(url, {"direction": "out", "other": deputy.pk, "note": "boss"}).status_code == 302
    assert client.post(url, {"direction": "in", "other": engineer.pk}).status_code == 302
    lines = {(i.source_id, i.target_id) for i in Influence.objects.all()}
    assert lines == {(east_contact.pk, deputy.pk), (engineer.pk, east_contact.pk)}


def test_influence_to_another_customers_contact_is_refused(client, world, east_contact, west_contact):
    client.force_login(world.director)
    response = client.post(
        reverse("relationships:add_influence", args=[east_contact.pk]),
        {"direction": "out", "other": west_contact.pk},
    )
    assert response.status_code == 400
    assert "other" in response.context["influence_form"].errors
    assert not Influence.objects.exists()


# --- visibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["east_rep", "east_rep2", "east_mgr"])
def test_other_teams_contact_is_404_and_unchanged(client, world, west_contact, username):
    other = ContactFactory(customer=world.west_customer, name="Other")
    client.force_login(getattr(world, username))
    user = getattr(world, username)
    pk = west_contact.pk
    assert client.get(reverse("relationships:detail", args=[pk])).status_code == 404
    assert client.get(reverse("relationships:edit", args=[pk])).status_code == 404
    response = client.post(reverse("relationships:edit", args=[pk]), edit_post(west_contact, title="Changed"))
    assert response.status_code == 404
    response = client.post(reverse("relationships:set_level", args=[pk]), {"user": user.pk, "level": "5"})
    assert response.status_code == 404
    response = client.post(
        reverse("relationships:add_influence", args=[pk]), {"direction": "out", "other": other.pk}
    )
    assert response.status_code == 404
    west_contact.refresh_from_db()
    assert west_contact.title == "Chief engineer"
    assert west_contact.version == 1
    assert not Relationship.objects.exists()
    assert not RelationshipChange.objects.exists()
    assert not Influence.objects.exists()


def test_director_opens_any_contact(client, world, west_contact):
    client.force_login(world.director)
    assert client.get(reverse("relationships:detail", args=[west_contact.pk])).status_code == 200


def test_manager_opens_a_team_members_contact(client, world, east_contact):
    client.force_login(world.east_mgr)
    assert client.get(reverse("relationships:detail", args=[east_contact.pk])).status_code == 200


def test_level_change_needs_post(client, world, east_contact):
    client.force_login(world.east_rep)
    assert client.get(reverse("relationships:set_level", args=[east_contact.pk])).status_code == 405


# --- org chart editor: add here, edit and come back, delete ----------------------------------------


def test_add_a_person_here_presets_the_manager_and_returns_to_the_customer_page(client, world, east_contact):
    client.force_login(world.east_rep)
    back = reverse("customers:detail", args=[world.east_customer.pk]) + "#contacts"
    url = f"{reverse('relationships:create')}?customer={world.east_customer.pk}&reports_to={east_contact.pk}"
    page = client.get(f"{url}&{urlencode({'next': back})}")
    assert page.context["form"].initial["reports_to"] == east_contact.pk
    assert f'name="next" value="{back}"' in page.content.decode()
    response = client.post(url, {**contact_post(reports_to=east_contact.pk), "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Contact.objects.get(name="Li Na").reports_to == east_contact


def test_add_here_ignores_a_manager_of_another_customer(client, world, west_contact):
    client.force_login(world.director)
    url = f"{reverse('relationships:create')}?customer={world.east_customer.pk}&reports_to={west_contact.pk}"
    assert client.get(url).context["form"].initial.get("reports_to") is None


def test_edit_moves_a_contact_and_returns_to_a_local_page_only(client, world, east_contact):
    boss = ContactFactory(customer=world.east_customer, name="Boss")
    client.force_login(world.east_rep)
    url = reverse("relationships:edit", args=[east_contact.pk])
    response = client.post(
        url, {**edit_post(east_contact, reports_to=boss.pk), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("relationships:detail", args=[east_contact.pk])
    east_contact.refresh_from_db()
    assert east_contact.reports_to == boss


def test_delete_page_shows_the_impact_then_deletes(client, world, east_contact):
    deputy = ContactFactory(customer=world.east_customer, name="Deputy", reports_to=east_contact)
    ContactFactory(customer=world.east_customer, name="Clerk", reports_to=deputy)
    services.set_relationship_level(deputy, world.east_rep, 2, by=world.east_rep, note="Visit")
    client.force_login(world.east_rep)
    url = reverse("relationships:delete", args=[deputy.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "1 relationship row" in body and "1 direct report moves up to Zhang Wei" in body
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[world.east_customer.pk]) + "#contacts"
    assert not Contact.objects.filter(pk=deputy.pk).exists()
    assert Contact.objects.get(name="Clerk").reports_to == east_contact
    assert not Relationship.objects.exists()


def test_delete_is_refused_with_the_reason_while_in_an_open_decision_chain(client, world, east_contact):
    from kam.opportunities import services as opportunity_services
    from kam.relationships.models import DecisionRole

    opportunity_services.set_contact_role(
        world.east_opp, east_contact, by=world.east_rep, decision_role=DecisionRole.DECISION_MAKER
    )
    client.force_login(world.east_rep)
    url = reverse("relationships:delete", args=[east_contact.pk])
    page = client.get(url)
    assert world.east_opp.project_number in page.content.decode()
    assert b"cannot be deleted" in page.content
    assert b'type="submit" class="danger"' not in page.content
    response = client.post(url)
    assert response.status_code == 409
    assert world.east_opp.project_number in response.content.decode()
    assert Contact.objects.filter(pk=east_contact.pk).exists()


@pytest.mark.parametrize("username", ["east_rep", "east_rep2", "east_mgr"])
def test_other_teams_contact_cannot_be_deleted(client, world, west_contact, username):
    client.force_login(getattr(world, username))
    url = reverse("relationships:delete", args=[west_contact.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Contact.objects.filter(pk=west_contact.pk).exists()
