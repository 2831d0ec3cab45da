"""Contract pages: list with filters and visibility, the contract page and its actions, forms,
stale posts (409), downloads checked against visibility, the panels, zh-Hans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kam.delivery.contracts import services
from kam.delivery.models import Contract, ContractStatus
from kam.planning.approvals import services as approvals
from tests.delivery.contracts.conftest import win

pytestmark = pytest.mark.django_db


def make(world, customer=None, owner=None, title="Spare parts", amount="5000") -> Contract:
    return services.create_contract(
        by=owner or world.east_rep,
        customer=customer or world.east_customer,
        title=title,
        amount=Decimal(amount),
        owner=owner or world.east_rep,
    )


def test_empty_list_says_how_to_start(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("delivery_contracts:list")).content.decode()
    assert "No contract yet" in body
    assert "data-print" in body


def test_list_shows_only_visible_contracts_and_filters(client, world):
    mine = make(world, title="Furnace relining")
    make(world, title="Coke oven", amount="9000")
    theirs = make(world, customer=world.west_customer, owner=world.west_rep, title="Turbine blades")
    client.force_login(world.east_rep)
    body = client.get(reverse("delivery_contracts:list")).content.decode()
    assert mine.number in body and "Coke oven" in body
    assert theirs.number not in body and "Turbine blades" not in body
    body = client.get(reverse("delivery_contracts:list"), {"q": "relin"}).content.decode()
    assert "Furnace relining" in body and "Coke oven" not in body
    body = client.get(reverse("delivery_contracts:list"), {"status": "signed"}).content.decode()
    assert "No contract matches these filters" in body
    body = client.get(reverse("delivery_contracts:list")).content.decode()
    assert "West Power" not in body  # the customer filter offers only customers with visible contracts
    body = client.get(
        reverse("delivery_contracts:list"), {"customer": world.west_customer.pk}
    ).content.decode()
    assert "Turbine blades" not in body and "No contract matches these filters" in body
    body = client.get(reverse("delivery_contracts:list"), {"sort": "-amount"}).content.decode()
    assert body.index("Coke oven") < body.index("Furnace relining")


def test_list_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    for i in range(30):
        make(world, title=f"Contract {i}")
    client.force_login(world.east_rep)
    client.get(reverse("delivery_contracts:list"))  # warm the session and caches
    # Session, user, count, the page's rows (customer and owner joined), the customers, the years,
    # the owners.
    with django_assert_num_queries(7):
        response = client.get(reverse("delivery_contracts:list"), {"page": 2})
    assert response.status_code == 200
    assert "Page 2 of 2" in response.content.decode()
    with django_assert_num_queries(7):
        client.get(reverse("delivery_contracts:list"), {"sort": "customer", "q": "Contract"})


def test_contract_page_and_another_team_gets_404(client, world):
    contract = make(world)
    client.force_login(world.east_rep)
    body = client.get(contract.get_absolute_url()).content.decode()
    assert contract.number in body and "Send for approval" in body and "data-print" in body
    assert f"/delivery/contracts/{contract.pk}/payments/panel/" in body
    assert f"/delivery/contracts/{contract.pk}/project/panel/" in body
    client.force_login(world.west_rep)
    assert client.get(contract.get_absolute_url()).status_code == 404


def test_contract_page_queries_are_pinned(client, world, django_assert_num_queries):
    contract = make(world)
    client.force_login(world.east_rep)
    client.get(contract.get_absolute_url())
    # Session, user, contract, amendments, attachments, history, the owners the history names.
    with django_assert_num_queries(7):
        assert client.get(contract.get_absolute_url()).status_code == 200
    win(world.east_opp)
    signed = services.create_from_opportunity(world.east_opp, by=world.east_rep)
    services.submit_for_approval(signed, by=world.east_rep)
    for _ in range(3):
        services.update_contract(signed, by=world.east_rep, notes=f"note {_}", owner=world.east_rep2)
        services.update_contract(signed, by=world.east_rep, owner=world.east_rep)
    for name in ("a.pdf", "b.pdf"):
        services.add_attachment(signed, by=world.east_rep, upload=SimpleUploadedFile(name, b"%PDF"))
    # One more for the approval request, however long the history and the lists.
    with django_assert_num_queries(8):
        assert client.get(signed.get_absolute_url()).status_code == 200


def test_create_from_a_won_deal_prefills_and_an_open_deal_is_refused(client, world):
    client.force_login(world.east_rep)
    url = reverse("delivery_contracts:create_from_opportunity", args=[world.east_opp.pk])
    response = client.get(url)
    assert response.status_code == 409
    assert "still open" in response.content.decode()
    win(world.east_opp, "880000")
    body = client.get(url).content.decode()
    assert 'value="East furnace"' in body and "880000" in body
    response = client.post(
        url, {"title": "East furnace", "owner": world.east_rep.pk, "amount": "880000", "version": 0}
    )
    contract = Contract.objects.get()
    assert response.status_code == 302 and response.url == contract.get_absolute_url()
    assert contract.opportunity == world.east_opp and contract.amount == Decimal("880000")


def test_standalone_create_with_field_errors(client, world):
    client.force_login(world.east_rep)
    url = reverse("delivery_contracts:create") + f"?customer={world.east_customer.pk}"
    response = client.post(
        url,
        {
            "customer": world.east_customer.pk,
            "title": "x",
            "owner": world.east_rep.pk,
            "amount": "1",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    assert response.status_code == 422
    assert "The term cannot end before it starts." in response.content.decode()
    client.force_login(world.west_rep)
    assert client.get(url).status_code == 404


def test_stale_edit_gets_409_with_the_current_values(client, world):
    contract = make(world)
    services.update_contract(contract, by=world.east_rep, notes="by someone else")
    client.force_login(world.east_rep)
    response = client.post(
        reverse("delivery_contracts:edit", args=[contract.pk]),
        {"title": "Mine", "owner": world.east_rep.pk, "amount": "5000", "version": 1},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone changed this contract meanwhile" in body and "by someone else" in body
    assert Contract.objects.get(pk=contract.pk).title == "Spare parts"


def test_edit_then_submit_approve_and_move_status_through_the_page(client, world):
    contract = make(world)
    client.force_login(world.east_rep)
    response = client.post(
        reverse("delivery_contracts:edit", args=[contract.pk]),
        {"title": "Spare parts 2027", "owner": world.east_rep.pk, "amount": "6000", "version": 1},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("delivery_contracts:submit", args=[contract.pk]), {"version": 2}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "In approval" in response.content.decode()
    contract.refresh_from_db()
    approvals.decide(contract.approval, by=world.east_mgr, approve=True)
    approvals.decide(contract.approval, by=world.director, approve=True)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    stale = client.post(
        reverse("delivery_contracts:status", args=[contract.pk]), {"version": 1, "to": "in_force"}
    )
    assert stale.status_code == 409
    response = client.post(
        reverse("delivery_contracts:status", args=[contract.pk]),
        {"version": contract.version, "to": "terminated", "reason": ""},
    )
    assert response.status_code == 422
    assert "Give the reason for terminating the contract." in response.content.decode()
    response = client.post(
        reverse("delivery_contracts:amend", args=[contract.pk]),
        {"version": contract.version, "amount_change": "-1000", "reason": "Fewer parts"},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.amount == Decimal("5000")
    body = client.get(contract.get_absolute_url()).content.decode()
    assert "Fewer parts" in body


def test_upload_limits_and_download_visibility(client, world, settings):
    contract = make(world)
    client.force_login(world.east_rep)
    url = reverse("delivery_contracts:upload", args=[contract.pk])
    response = client.post(url, {"file": SimpleUploadedFile("tool.exe", b"MZ")})
    assert response.status_code == 422 and "not accepted" in response.content.decode()
    settings.KAM_ATTACHMENT_MAX_BYTES = 4
    response = client.post(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF-1.7")})
    assert response.status_code == 422 and "the limit is" in response.content.decode()
    settings.KAM_ATTACHMENT_MAX_BYTES = 1000
    assert client.post(url, {"file": SimpleUploadedFile("signed.pdf", b"%PDF-1.7")}).status_code == 302
    attachment = contract.attachments.get()
    download = reverse("delivery_contracts:download", args=[contract.pk, attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(world.west_rep)
    assert client.get(download).status_code == 404
    other = make(world, customer=world.west_customer, owner=world.west_rep)
    client.force_login(world.west_rep)
    # The attachment id under another contract's address is not found either.
    assert (
        client.get(reverse("delivery_contracts:download", args=[other.pk, attachment.pk])).status_code == 404
    )
    client.force_login(world.east_rep)
    response = client.post(reverse("delivery_contracts:delete_attachment", args=[contract.pk, attachment.pk]))
    assert response.status_code == 302 and not contract.attachments.exists()


def test_opportunity_panel_for_a_won_deal(client, world):
    client.force_login(world.east_rep)
    url = reverse("delivery_contracts:opportunity_panel", args=[world.east_opp.pk])
    assert "once the deal is won" in client.get(url).content.decode()
    win(world.east_opp)
    assert "Create the contract" in client.get(url).content.decode()
    contract = services.create_from_opportunity(world.east_opp, by=world.east_rep)
    assert contract.number in client.get(url).content.decode()
    page = client.get(reverse("opportunities:detail", args=[world.east_opp.pk])).content.decode()
    assert url in page
    client.force_login(world.west_rep)
    assert client.get(url).status_code == 404


def test_customer_panel_lists_contracts_and_the_page_has_the_slot(client, world):
    contract = make(world)
    client.force_login(world.east_rep)
    url = reverse("delivery_contracts:customer_panel", args=[world.east_customer.pk])
    body = client.get(url).content.decode()
    assert contract.number in body and "5,000" in body or "5000" in body
    page = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert url in page
    client.force_login(world.west_rep)
    assert client.get(url).status_code == 404


def test_pages_in_chinese(client, world):
    contract = make(world)
    client.force_login(world.east_rep)
    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        body = client.get(contract.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "送审" in body
        assert "附件" in body
        body = client.get(reverse("delivery_contracts:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "合同" in body
