"""The audit page: every change across kam, for administrators and directors only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import load_workbook

from kam.core import audit
from kam.customers import services as customer_services
from kam.customers.models import Customer
from kam.relationships.models import Contact
from tests.factories import ContactFactory


@pytest.fixture
def changes(world, api_as):
    contact = ContactFactory(customer=world.east_customer, name="Li Audited")
    # Through the API (the actor comes from the token) and a service call with the actor set.
    api = api_as(world.east_rep)
    response = api.patch(f"/contacts/{contact.pk}", {"title": "=Chief buyer"}, if_match=contact.version)
    assert response.status_code == 200
    with audit.acting_as(world.west_rep):
        customer_services.update_customer(
            world.west_customer, by=world.west_rep, version=world.west_customer.version, industry="Energy"
        )
    return contact


def test_the_page_lists_changes_with_who_what_and_when(world, client, changes):
    client.force_login(world.admin)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    # "Energy" is stored as its industry row's name: the trail shows the value as kept.
    assert "Li Audited" in html and "=Chief buyer" in html and "能源电力" in html
    assert str(world.east_rep) in html


def test_filters_by_user_type_date_and_text(world, client, changes):
    client.force_login(world.director)
    contact_type = ContentType.objects.get_for_model(Contact).pk
    customer_type = ContentType.objects.get_for_model(Customer).pk
    by_rep = client.get("/audit/", {"actor": world.east_rep.pk}).context["rows"]
    assert by_rep and {row.who for row in by_rep} == {str(world.east_rep)}
    by_type = client.get("/audit/", {"record_type": customer_type}).context["rows"]
    assert by_type and {row.record_type for row in by_type} == {str(Customer._meta.verbose_name)}
    both = client.get("/audit/", {"record_type": contact_type, "actor": world.west_rep.pk}).context["rows"]
    assert both == []
    today = timezone.localdate()
    assert client.get("/audit/", {"date_from": today.isoformat()}).context["rows"]
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert client.get("/audit/", {"date_to": yesterday}).context["rows"] == []
    found = client.get("/audit/", {"q": "li audited"}).context["rows"]
    assert found and all(row.label == "Li Audited" for row in found)


def test_the_excel_export_follows_the_filter_and_defuses_formulas(world, client, changes):
    client.force_login(world.admin)
    contact_type = ContentType.objects.get_for_model(Contact).pk
    response = client.get("/audit/export.xlsx", {"record_type": contact_type})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("When", "Who", "Action")
    body = rows[1:]
    assert body and {row[3] for row in body} == {str(Contact._meta.verbose_name)}
    assert any("'=Chief buyer" in (row[6] or "") or "=Chief buyer" in (row[6] or "") for row in body)
    assert all(not str(cell).startswith("=") for row in body for cell in row if cell is not None)


@pytest.mark.parametrize("who", ["east_rep", "east_mgr"])
def test_reps_and_managers_are_refused(world, client, changes, who):
    client.force_login(getattr(world, who))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_the_page_costs_a_fixed_number_of_queries(world, client, changes, django_assert_num_queries):
    client.force_login(world.admin)
    client.get("/audit/")
    for index in range(30):
        ContactFactory(customer=world.east_customer, name=f"Extra {index}")
    assert LogEntry.objects.count() > 30
    # session, user, users for the filter, count, the page (with actor and record type joined);
    # the record types' content types are cached after the first request
    with django_assert_num_queries(5):
        response = client.get("/audit/", {"q": "e"})
    assert response.status_code == 200
