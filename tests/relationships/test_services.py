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
    services.set_relationship_level(contact, rep, 2, by=rep)
    services.set_relationship_level(contact, rep, 4, by=manager, note="Now our coach")
    services.set_relationship_level(contact, rep, 4, by=manager)  # no change, no new row
    changes = list(RelationshipChange.objects.filter(contact=contact).order_by("id"))
    assert [(c.from_level, c.to_level) for c in changes] == [(None, 2), (2, 4)]
    assert changes[1].changed_by == manager
    assert Relationship.objects.get(contact=contact, user=rep).level == 4


def test_relationship_level_six_is_refused_and_nothing_written():
    contact = ContactFactory()
    rep = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.set_relationship_level(contact, rep, 6, by=rep)
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
