"""The imports page: templates to download, an upload with its result table, reps refused."""

from __future__ import annotations

import io

import pytest

from kam.customers.models import Customer
from tests.imports.conftest import xlsx

pytestmark = pytest.mark.django_db


def upload(client, rows, **data):
    file = io.BytesIO(xlsx(rows))
    file.name = "customers.xlsx"
    payload = {"kind": "customers", "file": file, "on_duplicate": "refuse", "mode": "all", **data}
    return client.post("/imports/", payload)


def test_page_templates_and_upload(client, world):
    client.force_login(world.east_mgr)
    page = client.get("/imports/")
    assert page.status_code == 200 and "customers-template.xlsx" in page.content.decode()
    for kind in ("customers", "contacts", "opportunities"):
        for ext in ("xlsx", "csv"):
            assert client.get(f"/imports/{kind}-template.{ext}").status_code == 200
    assert client.get("/imports/people-template.xlsx").status_code == 404
    bad = upload(client, [["name", "annual_revenue"], ["Ok", "1"], ["Bad", "lots"]])
    assert bad.status_code == 422 and "annual_revenue" in bad.content.decode()
    assert not Customer.objects.filter(name="Ok").exists()
    dry = upload(client, [["name"], ["Dry"]], dry_run="on")
    assert dry.status_code == 200 and "Dry run" in dry.content.decode()
    assert not Customer.objects.filter(name="Dry").exists()
    good = upload(client, [["name"], ["Fresh"]])
    assert good.status_code == 200 and "1 created" in good.content.decode()
    assert Customer.objects.filter(name="Fresh", owner=world.east_mgr).exists()


def test_a_rep_is_refused(client, world):
    client.force_login(world.east_rep)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/customers-template.xlsx").status_code == 403
    assert upload(client, [["name"], ["Nope"]]).status_code == 403
    assert "/imports/" not in client.get("/customers/").content.decode()
