import pytest
from django.core.exceptions import ValidationError

from kam.relationships import services
from kam.relationships.models import Contact, Influence, Relationship, RelationshipChange
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_contact_under_a_manager_of_the_same_customer():
    boss = ContactFactory(name="Boss")
    contact = services.create_contact(
        by=boss.customer.owner, customer=boss.customer, name="Deputy", reports_to=boss
    )
    assert Contact.objects.get(pk=contact.pk).reports_to == boss


def test_create_contact_refuses_a_manager_of_another_customer():
    other = ContactFactory()
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as caught:
        services.create_contact(by=customer.owner, customer=customer, name="Lin", reports_to=other)
    assert "reports_to" in caught.value.message_dict
    assert not Contact.objects.filter(customer=customer).exists()


def test_update_contact_refuses_a_reports_to_cycle():
    top = ContactFactory(name="Top")
    middle = ContactFactory(customer=top.customer, name="Middle", reports_to=top)
    bottom = ContactFactory(customer=top.customer, name="Bottom", reports_to=middle)
    with pytest.raises(ValidationError) as caught:
        services.update_contact(top, by=top.customer.owner, version=1, reports_to=bottom)
    assert "cycle" in caught.value.message_dict["reports_to"][0]
    top.refresh_from_db()
    assert top.reports_to_id is None
    assert top.version == 1


def test_update_contact_refuses_itself_as_manager():
    contact = ContactFactory()
    with pytest.raises(ValidationError):
        services.update_contact(contact, by=contact.customer.owner, version=1, reports_to=contact)


def test_update_contact_refuses_a_manager_of_another_customer():
    contact = ContactFactory()
    outsider = ContactFactory()
    with pytest.raises(ValidationError) as caught:
        services.update_contact(contact, by=contact.customer.owner, version=1, reports_to=outsider)
    assert "reports_to" in caught.value.message_dict
    contact.refresh_from_db()
    assert contact.reports_to_id is None


def test_first_relationship_level_is_recorded_with_no_previous_level():
    contact = ContactFactory()
    rep = UserFactory()
    services.set_relationship_level(contact, rep, 2, by=rep, note="Met at the trade fair")
    change = RelationshipChange.objects.get(contact=contact)
    assert change.from_level is None
    assert change.to_level == 2
    assert change.user == rep
    assert change.changed_by == rep
    assert change.note == "Met at the trade fair"
    assert Relationship.objects.get(contact=contact, user=rep).level == 2


def test_relationship_level_changes_are_kept_as_history():
    contact = ContactFactory()
    rep = UserFactory()
    manager = UserFactory()
    services.set_relationship_level(contact, rep, 2, by=rep, note="Met at the plant")
    services.set_relationship_level(contact, rep, 4, by=manager, note="Now our coach")
    services.set_relationship_level(
        contact, rep, 4, by=manager, note="Met at the plant"
    )  # no change, no new row
    changes = list(RelationshipChange.objects.filter(contact=contact).order_by("id"))
    assert [(c.from_level, c.to_level) for c in changes] == [(None, 2), (2, 4)]
    assert changes[1].changed_by == manager
    assert Relationship.objects.get(contact=contact, user=rep).level == 4


def test_relationship_level_six_is_refused_and_nothing_written():
    contact = ContactFactory()
    rep = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.set_relationship_level(contact, rep, 6, by=rep, note="Met at the plant")
    assert "level" in caught.value.message_dict
    assert not Relationship.objects.exists()
    assert not RelationshipChange.objects.exists()


def test_influence_to_the_same_person_is_refused():
    contact = ContactFactory()
    with pytest.raises(ValidationError):
        services.add_influence(contact, contact, by=contact.customer.owner)
    assert not Influence.objects.exists()


def test_influence_across_customers_is_refused():
    with pytest.raises(ValidationError):
        services.add_influence(ContactFactory(), ContactFactory(), by=UserFactory())
    assert not Influence.objects.exists()


def test_influence_line_is_added_once():
    deputy = ContactFactory(name="Deputy")
    general_manager = ContactFactory(customer=deputy.customer, name="GM")
    first = services.add_influence(deputy, general_manager, by=deputy.customer.owner, note="old classmates")
    again = services.add_influence(deputy, general_manager, by=deputy.customer.owner)
    assert first.pk == again.pk
    assert Influence.objects.get().note == "old classmates"


def test_relationship_change_without_a_note_is_refused():
    contact = ContactFactory()
    rep = contact.customer.owner
    with pytest.raises(ValidationError) as excinfo:
        services.set_relationship_level(contact, rep, 3, by=rep, note="  ")
    assert "note" in excinfo.value.message_dict
    assert not RelationshipChange.objects.exists()


def test_web_and_api_refuse_a_level_change_without_note(client, world):
    contact = ContactFactory(customer=world.east_customer)
    client.force_login(world.east_rep)
    client.post(f"/contacts/{contact.pk}/level/", {"user": world.east_rep.pk, "level": "3", "note": ""})
    response = client.post(
        f"/api/v1/contacts/{contact.pk}/relationship", {"level": 3}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "note" in response.json()["errors"]
    assert not RelationshipChange.objects.exists()


def test_delete_contact_is_refused_while_in_an_open_decision_chain():
    from kam.core.errors import RuleViolation
    from kam.opportunities.services import close_opportunity, set_contact_role
    from tests.factories import make_opportunity

    opportunity = make_opportunity(name="Boiler")
    contact = ContactFactory(customer=opportunity.customer, name="Wang")
    set_contact_role(opportunity, contact, by=opportunity.owner, decision_role="decision_maker")
    with pytest.raises(RuleViolation) as excinfo:
        services.delete_contact(contact, by=opportunity.owner)
    assert opportunity.project_number in str(excinfo.value)
    assert Contact.objects.filter(pk=contact.pk).exists()
    close_opportunity(opportunity, by=opportunity.owner, status="dropped", reason="Budget cut")
    impact = services.contact_delete_impact(contact)
    assert (impact.blocked, impact.closed_roles) == (False, 1)


def test_delete_contact_takes_relationships_and_lines_and_lifts_reports():
    boss = ContactFactory(name="Boss")
    deputy = ContactFactory(customer=boss.customer, name="Deputy", reports_to=boss)
    staff = ContactFactory(customer=boss.customer, name="Staff", reports_to=deputy)
    rep = boss.customer.owner
    services.set_relationship_level(deputy, rep, 3, by=rep, note="Dinner")
    services.add_influence(deputy, boss, by=rep)
    impact = services.delete_contact(deputy, by=rep)
    assert (impact.relationships, impact.influence_lines, impact.reports) == (1, 1, 1)
    staff.refresh_from_db()
    assert staff.reports_to == boss
    assert not Contact.objects.filter(pk=deputy.pk).exists()


def test_level_change_refreshes_the_relationship_date():
    import datetime as dt

    contact = ContactFactory()
    rep = contact.customer.owner
    services.set_relationship_level(contact, rep, 2, by=rep, note="First visit")
    Relationship.objects.update(updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    services.set_relationship_level(contact, rep, 3, by=rep, note="Dinner")
    assert Relationship.objects.get().updated_at.year >= 2026


def test_delete_refusal_names_only_opportunities_the_user_may_see(world):
    from kam.core.errors import RuleViolation
    from kam.opportunities.services import set_contact_role, set_member

    contact = ContactFactory(customer=world.east_customer, name="Wang")
    set_contact_role(world.east_opp, contact, by=world.east_rep, decision_role="decision_maker")
    # A second deal on the same customer, owned elsewhere and invisible to the east rep.
    from tests.factories import make_opportunity

    hidden = make_opportunity(owner=world.west_rep, customer=world.east_customer, name="Hidden")
    set_contact_role(hidden, contact, by=world.west_rep, decision_role="user")
    impact = services.contact_delete_impact(contact, world.east_rep)
    assert impact.open_opportunities == [world.east_opp.project_number]
    assert impact.hidden_open_opportunities == 1
    with pytest.raises(RuleViolation) as excinfo:
        services.delete_contact(contact, by=world.east_rep)
    assert hidden.project_number not in str(excinfo.value)
    assert "1 you cannot see" in str(excinfo.value)
    set_member(hidden, world.east_rep, by=world.west_rep, role="member")
    assert services.contact_delete_impact(contact, world.east_rep).hidden_open_opportunities == 0


def test_a_backdated_level_change_keeps_its_date():
    import datetime as dt

    contact = ContactFactory()
    rep = contact.customer.owner
    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    services.set_relationship_level(contact, rep, 2, by=rep, note="Imported", changed_at=when)
    assert RelationshipChange.objects.get().changed_at == when
    assert Relationship.objects.get().updated_at == when
