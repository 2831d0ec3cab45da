"""The customer pyramid page: the table, its callouts and notes, bad filters, the empty state, the
navigation, and a query count that does not grow with customers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.customers.pyramid import selectors as pyramid
from tests.customers.pyramid.conftest import AS_OF, place, won
from tests.factories import CustomerFactory, UserFactory


def test_page_with_the_last_possible_date_is_a_message_not_an_error(client, data, password):
    client.login(username="director", password=password)
    response = client.get(reverse("customers:pyramid"), {"as_of": "9999-12-31"})
    assert response.status_code == 400
    assert "Write the date as YYYY-MM-DD" in response.content.decode()


def test_page_shows_table_callouts_and_notes(client, data, password):
    client.login(username="director", password=password)
    response = client.get(reverse("customers:pyramid"), {"as_of": AS_OF})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-group="key" class="mismatch-over"' in page
    assert "¥2,050,000.00" in page and "¥820,000.00" in page
    assert "Key accounts: 14.3 % of customers" in page
    assert "1 won deal (¥100,000.00) has no gross margin" in page
    assert "Sales hours: done activities on the group" in page
    assert reverse("api:customer_pyramid") + "?by=segment&amp;as_of=2026-06-30" in page
    tier = client.get(reverse("customers:pyramid"), {"as_of": AS_OF, "by": "tier"}).content.decode()
    assert '<th scope="row">Tier D</th>' in tier


def test_page_with_a_bad_filter_shows_the_message_and_no_figures(client, data, password):
    client.login(username="east_rep", password=password)
    response = client.get(reverse("customers:pyramid"), {"owner": str(data.west_rep.pk)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of the people whose customers you can see." in page
    assert '<table class="data pyramid-table"' not in page


def test_empty_state(client, db, password):
    UserFactory(username="lonely")
    client.login(username="lonely", password=password)
    page = client.get(reverse("customers:pyramid")).content.decode()
    assert "No customers yet" in page
    assert 'id="pyramid-chart"' not in page


def test_navigation_has_the_pyramid(client, data, password):
    client.login(username="east_rep", password=password)
    page = client.get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("customers:pyramid")}"' in page


def _many(boss, count):
    for i in range(count):
        customer = CustomerFactory(owner=boss)
        won(customer, boss, 1000 + i, "2026-05-01 10:00", Decimal("10") if i % 2 else None)
        place(customer, ("key", "important", "general")[i % 3], "ABCD"[i % 4])


@pytest.mark.parametrize("as_user", ["director", "east_mgr", "east_rep"])
def test_query_count_does_not_grow_with_customers(db, world, client, password, as_user):
    user = getattr(world, {"director": "director", "east_mgr": "east_mgr", "east_rep": "east_rep"}[as_user])
    owner = world.east_rep
    params = {"as_of": AS_OF, "team": str(world.east.pk), "owner": str(owner.pk)}
    if as_user == "east_rep":
        params.pop("team")

    def count() -> tuple[int, int, int]:
        fresh = type(user).objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as selector:
            filters, errors = pyramid.parse_filters(fresh, params)
            assert errors == {}
            pyramid.pyramid(fresh, filters)
        client.force_login(user)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("customers:pyramid"), params).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert client.get(reverse("api:customer_pyramid"), params).status_code == 200
        return len(selector), len(page), len(api)

    _many(owner, 3)
    few = count()
    _many(owner, 27)
    many = count()
    assert few == many
    selector, page, api = few
    # Team subtree and the manager's own teams add a query each, the sales hours one; none depends
    # on the rows.
    assert selector <= 8 and page <= 12 and api <= 10
