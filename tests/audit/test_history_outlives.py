"""History outlives its subject: a deleted contact's level history stays readable through the
customer, and the deletion is a line of the customer's history and of the audit trail."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from kam.customers.models import CustomerChange
from kam.relationships import services
from kam.relationships.models import Contact, RelationshipChange
from tests.factories import ContactFactory


def _contact_with_history(world):
    boss = ContactFactory(customer=world.east_customer, name="Boss Qian")
    contact = ContactFactory(
        customer=world.east_customer,
        name="Sun Departing",
        title="Buyer",
        department="Purchasing",
        reports_to=boss,
    )
    services.set_relationship_level(contact, world.east_rep, 2, by=world.east_rep, note="Met at the fair")
    services.set_relationship_level(contact, world.east_rep, 3, by=world.east_rep, note="Dinner went well")
    return contact


def _assert_kept(world, contact_id: int, by) -> None:
    assert not Contact.objects.filter(pk=contact_id).exists()
    rows = RelationshipChange.objects.filter(contact_id=contact_id)
    assert rows.count() == 2
    assert {row.customer_id for row in rows} == {world.east_customer.pk}
    assert {row.subject_label for row in rows} == {"Sun Departing"}
    line = CustomerChange.objects.filter(customer=world.east_customer).order_by("-id").first()
    assert line is not None and line.changed_by == by
    assert "Sun Departing" in line.summary_en and "deleted" in line.summary_en
    assert "Buyer" in line.summary_en and "Boss Qian" in line.summary_en
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=contact_id,
        action=LogEntry.Action.DELETE,
    )
    assert entry.actor == by
    assert entry.changes["name"][0] == "Sun Departing"


def test_deleting_a_contact_keeps_its_history_readable_through_the_customer(world, client):
    contact = _contact_with_history(world)
    contact_id = contact.pk
    client.force_login(world.east_rep)
    response = client.post(f"/contacts/{contact_id}/delete/")
    assert response.status_code == 302
    _assert_kept(world, contact_id, world.east_rep)

    client.force_login(world.east_mgr)  # sees the customer: reads the history
    page = client.get(f"/customers/{world.east_customer.pk}/relationship-history/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sun Departing" in html and "Dinner went well" in html
    data = client.get(f"/api/v1/customers/{world.east_customer.pk}/relationship-history").json()
    assert [item["contact"] for item in data["items"]] == [{"id": contact_id, "name": "Sun Departing"}] * 2
    customer_history = client.get(f"/api/v1/customers/{world.east_customer.pk}/history").json()
    assert any("Sun Departing" in item["summary"] for item in customer_history["items"])

    client.force_login(world.west_rep)  # does not see the customer: nothing
    assert client.get(f"/customers/{world.east_customer.pk}/relationship-history/").status_code == 404


def test_deleting_a_contact_through_the_api_records_the_token_user(world, api_as):
    contact = _contact_with_history(world)
    api = api_as(world.east_rep)
    response = api.client.delete(f"/api/v1/contacts/{contact.pk}", **api._headers())
    assert response.status_code == 204
    _assert_kept(world, contact.pk, world.east_rep)
