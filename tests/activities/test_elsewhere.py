"""Where activities show on other pages: the last touch column of the pipeline table and the
customer list, and the panel the opportunity, decision-chain, contact and customer pages load."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from kam.activities import services
from tests.activities.conftest import hours_ago
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_the_pipeline_and_the_customer_list_show_the_stored_last_touch(client, world, visit):
    start = hours_ago(30)
    services.create_activity(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        opportunity=world.east_opp,
        start=start,
        summary="Touch",
    )
    shown = date_format(timezone.localtime(start), "SHORT_DATE_FORMAT")
    client.force_login(world.east_rep)
    pipeline = client.get("/opportunities/").content.decode()
    assert "Last touch" in pipeline
    assert shown in pipeline
    customers = client.get("/customers/").content.decode()
    assert "Last touch" in customers and shown in customers


def test_the_pipeline_reads_no_more_for_the_last_touch(client, world, visit, django_assert_max_num_queries):
    """The column is the stored value on the row the table already reads."""
    client.force_login(world.east_mgr)
    client.get("/opportunities/")
    with CaptureQueriesContext(connection) as before:
        client.get("/opportunities/")
    services.create_activity(
        by=world.east_rep,
        kind=visit,
        customer=world.east_customer,
        opportunity=world.east_opp,
        start=hours_ago(3),
        summary="Touch",
    )
    with django_assert_max_num_queries(len(before)):
        client.get("/opportunities/")


def test_other_pages_load_the_activities_panel(client, world):
    contact = ContactFactory(customer=world.east_customer)
    client.force_login(world.east_rep)
    pages = {
        f"/opportunities/{world.east_opp.pk}/": f"?opportunity={world.east_opp.pk}",
        f"/opportunities/{world.east_opp.pk}/decision-chain/": f"?opportunity={world.east_opp.pk}",
        f"/contacts/{contact.pk}/": f"?contact={contact.pk}",
        f"/customers/{world.east_customer.pk}/": f"?customer={world.east_customer.pk}",
    }
    for page, query in pages.items():
        body = client.get(page).content.decode()
        assert f'hx-get="/activities/panel/{query}' in body, page
