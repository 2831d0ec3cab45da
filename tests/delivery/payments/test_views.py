import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kam.delivery.models import CustomerCare, Instalment, Payment
from kam.delivery.payments import services
from tests.delivery.payments.helpers import add, make_contract
from tests.factories import PASSWORD

HX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def contract(world):
    return make_contract(world.east_customer, world.east_rep, "1000")


def test_panel_empty_state_and_visibility(client, world, contract):
    _login(client, world.east_rep)
    response = client.get(f"/delivery/contracts/{contract.pk}/payments/panel/", **HX)
    assert response.status_code == 200
    assert "No payment plan yet" in response.content.decode()
    page = client.get(f"/delivery/contracts/{contract.pk}/payments/panel/")
    assert page.status_code == 200 and "data-print" in page.content.decode()
    _login(client, world.west_rep)
    assert client.get(f"/delivery/contracts/{contract.pk}/payments/panel/", **HX).status_code == 404


def test_add_instalment_record_payment_and_see_outstanding(client, world, contract):
    _login(client, world.east_rep)
    url = f"/delivery/contracts/{contract.pk}/payments/instalments/"
    response = client.post(url, {"name": "Advance", "percentage": "30", "due_date": "2026-01-31"}, **HX)
    assert response.status_code == 200 and "Instalment Advance added." in response.content.decode()
    inst = Instalment.objects.get(contract=contract)
    assert inst.amount == Decimal("300.00")
    refused = client.post(url, {"name": "Too much", "amount": "800", "due_date": "2026-02-28"}, **HX)
    assert "more than the contract&#x27;s amount" in refused.content.decode()
    response = client.post(
        f"/delivery/contracts/{contract.pk}/payments/record/",
        {"amount": "120", "received_on": dt.date.today().isoformat(), "reference": "BANK-1"},
        **HX,
    )
    body = response.content.decode()
    assert "Payment of 120.00 recorded." in body
    assert 'id="payments-outstanding">¥180.00<' in body
    # Named matching above the outstanding is refused with its message, in place.
    response = client.post(
        f"/delivery/contracts/{contract.pk}/payments/record/",
        {"amount": "200", "received_on": dt.date.today().isoformat(), f"alloc_{inst.pk}": "200"},
        **HX,
    )
    assert "180.00 outstanding: 200.00 is too much" in response.content.decode()
    assert Payment.objects.count() == 1


def test_stale_instalment_edit_is_a_409(client, world, contract):
    inst = add(contract, world.east_rep, "300", dt.date(2026, 1, 31))
    services.update_instalment(inst, by=world.east_rep, version=1, name="Renamed")
    _login(client, world.east_rep)
    response = client.post(
        f"/delivery/contracts/{contract.pk}/payments/instalments/{inst.pk}/edit/",
        {"name": "Mine", "amount": "300", "due_date": "2026-01-31", "version": "1"},
    )
    assert response.status_code == 409
    assert Instalment.objects.get(pk=inst.pk).name == "Renamed"


def test_receivables_page_filters_totals_and_export(client, world, contract, django_assert_max_num_queries):
    west = make_contract(world.west_customer, world.west_rep, "5000")
    today = services.today()
    add(contract, world.east_rep, "400", today - dt.timedelta(days=45), name="East due")
    add(west, world.west_rep, "900", today - dt.timedelta(days=5), name="West due")
    _login(client, world.east_mgr)
    with django_assert_max_num_queries(16):
        response = client.get("/delivery/receivables/")
    body = response.content.decode()
    assert "East due" in body and "West due" not in body
    assert 'data-bucket="31_60">¥400.00<' in body
    _login(client, world.director)
    body = client.get("/delivery/receivables/", {"bucket": "0_30"}).content.decode()
    assert "West due" in body and "East due" not in body
    export = client.get("/delivery/receivables/export.xlsx", {"overdue": "1", "sort": "-outstanding"})
    assert export.status_code == 200
    from io import BytesIO

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["West due", "East due"]


def test_receivables_page_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    for _i in range(30):
        c = make_contract(world.east_customer, world.east_rep, "1000")
        add(c, world.east_rep, "100", services.today() - dt.timedelta(days=3))
    _login(client, world.east_rep)
    with django_assert_max_num_queries(14):
        response = client.get("/delivery/receivables/")
    assert response.content.decode().count('class="overdue"') >= 30


def test_customer_section_shows_the_overdue(client, world, contract, django_assert_max_num_queries):
    add(contract, world.east_rep, "400", services.today() - dt.timedelta(days=10), name="Late one")
    assert CustomerCare.objects.get(customer=world.east_customer).overdue_amount == Decimal("400")
    _login(client, world.east_rep)
    with django_assert_max_num_queries(8):
        response = client.get(f"/delivery/customers/{world.east_customer.pk}/receivables/", **HX)
    assert "Late one" in response.content.decode()
    _login(client, world.west_rep)
    assert client.get(f"/delivery/customers/{world.east_customer.pk}/receivables/", **HX).status_code == 404


def test_overdue_signal_on_the_customer_page_and_list(client, world, contract):
    add(contract, world.east_rep, "400", services.today() - dt.timedelta(days=10), name="Late one")
    _login(client, world.east_rep)
    detail = client.get(f"/customers/{world.east_customer.pk}/").content.decode()
    assert "overdue-badge" in detail and "¥400.00" in detail
    assert f"/delivery/customers/{world.east_customer.pk}/receivables/" in detail
    listing = client.get("/customers/").content.decode()
    assert listing.count("overdue-badge") == 1
    assert 'href="/delivery/receivables/"' in listing


def test_receivables_page_in_chinese_and_the_contract_page_link(client, world, contract):
    from django.utils import translation

    add(contract, world.east_rep, "400", services.today() - dt.timedelta(days=10), name="Late one")
    _login(client, world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        body = client.get("/delivery/receivables/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "逾期账龄" in body and "按月回款预测" in body
    page = client.get(f"/delivery/contracts/{contract.pk}/payments/")
    assert page.status_code == 200 and 'id="payments-panel"' in page.content.decode()


@pytest.mark.parametrize("instalments", [2, 12])
def test_panel_queries_do_not_grow_with_the_plan(
    client, world, contract, instalments, django_assert_max_num_queries
):
    big = make_contract(world.east_customer, world.east_rep, "100000")
    for n in range(instalments):
        add(big, world.east_rep, "100", services.today() + dt.timedelta(days=n - 5))
    services.record_payment(big, by=world.east_rep, amount="150", received_on=services.today())
    services.issue_invoice(big, by=world.east_rep, number="I-1", issued_on=services.today(), amount="100")
    _login(client, world.east_rep)
    with django_assert_max_num_queries(14):
        response = client.get(f"/delivery/contracts/{big.pk}/payments/panel/", **HX)
    assert response.content.decode().count('id="instalment-') == instalments
