"""The customer API: visibility-scoped list and detail, writes through the services with If-Match."""

from __future__ import annotations

import pytest

from kam.customers.models import Customer, CustomerChange
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def names(response) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


def test_rep_lists_only_customers_they_own_or_sell_to(world, api_as):
    response = api_as(world.east_rep).get("/customers")
    assert response.status_code == 200
    assert names(response) == {"East Steel"}
    assert response.json()["count"] == 1
    item = response.json()["items"][0]
    assert item["owner"] == {"id": world.east_rep.pk, "name": world.east_rep.name}
    assert item["version"] == 1


def test_manager_sees_the_teams_customers_and_director_all(world, api_as):
    assert len(names(api_as(world.east_mgr).get("/customers"))) == 2
    assert api_as(world.director).get("/customers").json()["count"] == Customer.objects.count()


def test_list_filters_by_text_tier_segment_status_and_owner(world, api_as):
    CustomerFactory(
        name="Jiangsu Grid", short_name="JSG", owner=world.west_rep, tier="A", segment="key", status="active"
    )
    director = api_as(world.director)
    assert names(director.get("/customers", {"q": "jsg"})) == {"Jiangsu Grid"}
    assert names(director.get("/customers", {"tier": "A"})) == {"Jiangsu Grid"}
    assert names(director.get("/customers", {"segment": "key"})) == {"Jiangsu Grid"}
    assert names(director.get("/customers", {"status": "active"})) == {"Jiangsu Grid"}
    assert names(director.get("/customers", {"owner": world.west_rep.pk})) == {"West Power", "Jiangsu Grid"}


def test_list_paginates_and_refuses_bad_filters(world, api_as):
    director = api_as(world.director)
    page = director.get("/customers", {"limit": 1, "offset": 1}).json()
    assert len(page["items"]) == 1 and page["count"] == 3
    for params, field in (({"tier": "Z"}, "tier"), ({"limit": 500}, "limit"), ({"owner": "x"}, "owner")):
        response = director.get("/customers", params)
        assert response.status_code == 422
        assert field in response.json()["errors"]


def test_detail_has_etag_and_other_teams_customer_is_404(world, api_as):
    rep = api_as(world.east_rep)
    response = rep.get(f"/customers/{world.east_customer.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["name"] == "East Steel"
    assert rep.get(f"/customers/{world.west_customer.pk}").status_code == 404


def test_create_returns_201_and_records_history(world, api_as):
    response = api_as(world.east_rep).post(
        "/customers",
        {"name": "Anhui Conch", "annual_revenue": "12345678.9", "category_purchases": "2000000"},
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["annual_revenue"] == "12345678.90"
    assert body["owner"]["id"] == world.east_rep.pk
    assert CustomerChange.objects.filter(customer_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "tier": "Z"}, "tier"),
        ({"name": "X", "annual_revenue": "-3"}, "annual_revenue"),
        ({"name": "X", "employees": "many"}, "employees"),
        ({"name": "X", "colour": "red"}, "colour"),
    ],
)
def test_create_with_bad_input_is_422_and_nothing_saved(world, api_as, body, field):
    before = Customer.objects.count()
    response = api_as(world.east_rep).post("/customers", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Customer.objects.count() == before


def test_create_under_a_group_the_rep_cannot_see_is_422(world, api_as):
    response = api_as(world.east_rep).post("/customers", {"name": "X", "parent": world.west_customer.pk})
    assert response.status_code == 422
    assert "parent" in response.json()["errors"]


def test_patch_needs_if_match_and_refuses_a_stale_version(world, api_as):
    rep = api_as(world.east_rep)
    path = f"/customers/{world.east_customer.pk}"
    assert rep.patch(path, {"region": "Anhui"}).status_code == 428
    ok = rep.patch(path, {"region": "Anhui"}, if_match=1)
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    # Stored as the region row names it, shown in the reader's language (kam.customers.models.choices).
    assert (ok.json()["region"], ok.json()["region_label"]) == ("安徽", "Anhui")
    stale = rep.patch(path, {"region": "Hubei"}, if_match=1)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    world.east_customer.refresh_from_db()
    assert (world.east_customer.region, world.east_customer.version) == ("安徽", 2)


def test_tier_is_computed_not_written(world, api_as):
    rep = api_as(world.east_rep)
    response = rep.patch(f"/customers/{world.east_customer.pk}", {"tier": "A"}, if_match=1)
    assert response.status_code == 422
    assert "tier" in response.json()["errors"]


def test_patch_refuses_a_cycle_in_the_group(world, api_as):
    child = CustomerFactory(name="East Steel Branch", owner=world.east_rep, parent=world.east_customer)
    response = api_as(world.east_rep).patch(
        f"/customers/{world.east_customer.pk}", {"parent": child.pk}, if_match=1
    )
    assert response.status_code == 422
    assert "parent" in response.json()["errors"]


def test_rep_cannot_update_other_teams_customer(world, api_as):
    response = api_as(world.east_rep).patch(
        f"/customers/{world.west_customer.pk}", {"name": "Mine"}, if_match=1
    )
    assert response.status_code == 404
    world.west_customer.refresh_from_db()
    assert (world.west_customer.name, world.west_customer.version) == ("West Power", 1)


def _sheet(response) -> list[list]:
    import io

    from openpyxl import load_workbook

    from kam.customers import export

    assert response.status_code == 200
    assert response["Content-Type"] == export.XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    return [
        list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]


def test_export_takes_the_lists_filters_and_sort_and_follows_visibility(world, api_as):
    CustomerFactory(name="Jiangsu Grid", owner=world.west_rep, tier="A", industry="Power")
    CustomerFactory(name="Anhui Grid", owner=world.west_rep, tier="B", industry="Power")
    director = api_as(world.director)
    rows = _sheet(director.get("/customers/export.xlsx", {"industry": "Power", "sort": "-name"}))
    assert rows[0][0] == "Name"
    names_ = [row[0] for row in rows[1:]]
    assert "Jiangsu Grid" in names_ and "Anhui Grid" in names_
    assert names_ == sorted(names_, reverse=True)
    assert [row[0] for row in _sheet(director.get("/customers/export.xlsx", {"tier": "A"}))[1:]] == [
        "Jiangsu Grid"
    ]
    # A rep's workbook holds only the customers the rep can see, whatever the filter.
    rep_rows = _sheet(api_as(world.east_rep).get("/customers/export.xlsx"))
    assert [row[0] for row in rep_rows[1:]] == ["East Steel"]


def test_export_refuses_a_filter_it_cannot_use(world, api_as):
    director = api_as(world.director)
    for params, field in (({"tier": "Z"}, "tier"), ({"tag": 999999}, "tag"), ({"sort": "nope"}, "sort")):
        response = director.get("/customers/export.xlsx", params)
        assert response.status_code == 422, params
        assert field in response.json()["errors"]


def test_a_patch_that_changes_nothing_keeps_the_version_and_writes_no_history(world, api_as):
    customer = world.east_customer
    api = api_as(world.east_rep)
    lines = CustomerChange.objects.filter(customer=customer).count()
    for body in ({}, {"name": customer.name}):
        response = api.patch(f"/customers/{customer.pk}", body, if_match=1)
        assert response.status_code == 200
        assert response["ETag"] == '"1"' and response.json()["version"] == 1
    assert CustomerChange.objects.filter(customer=customer).count() == lines
    # Still checked: a stale version is a conflict even when nothing would change.
    assert api.patch(f"/customers/{customer.pk}", {}, if_match=7).status_code == 412
    changed = api.patch(f"/customers/{customer.pk}", {"notes": "new"}, if_match=1)
    assert changed.json()["version"] == 2


def test_export_takes_no_paging(world, api_as):
    rows = _sheet(api_as(world.director).get("/customers/export.xlsx", {"limit": 0, "offset": 5}))
    assert len(rows) - 1 == Customer.objects.count()
