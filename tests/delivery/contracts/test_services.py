"""Contract services: from a won deal, edits per status, approval, status flow, amendments, files."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kam.core.errors import ConflictError, RuleViolation
from kam.delivery.contracts import services
from kam.delivery.models import Contract, ContractAttachment, ContractStatus, DeliveryChange
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.approvals import services as approvals
from tests.delivery.contracts.conftest import win

pytestmark = pytest.mark.django_db


def signed(world, won) -> Contract:
    contract = services.create_from_opportunity(won, by=world.east_rep)
    services.submit_for_approval(contract, by=world.east_rep)
    approvals.decide(contract.approval, by=world.east_mgr, approve=True)
    approvals.decide(contract.approval, by=world.director, approve=True)
    contract.refresh_from_db()
    return contract


def test_a_won_deal_prefills_the_contract(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    assert contract.customer == world.east_customer
    assert contract.opportunity == won
    assert contract.title == "East furnace"
    assert contract.amount == Decimal("1200000")
    assert contract.owner == world.east_rep
    assert contract.sign_date == timezone.localtime(won.closed_at).date()
    assert contract.status == ContractStatus.DRAFT
    assert contract.number == f"HT-{timezone.localdate().year}-0001"
    line = DeliveryChange.objects.get(contract=contract)
    assert line.action == "created" and line.changes["amount"] == [None, "1200000.00"]


def test_an_open_or_lost_deal_is_refused_with_a_clear_message(world):
    with pytest.raises(RuleViolation, match="still open"):
        services.create_from_opportunity(world.east_opp, by=world.east_rep)
    Opportunity.objects.filter(pk=world.west_opp.pk).update(status=OpportunityStatus.LOST)
    world.west_opp.refresh_from_db()
    with pytest.raises(RuleViolation, match="not won"):
        services.create_from_opportunity(world.west_opp, by=world.west_rep)
    assert not Contract.objects.exists()


def test_a_standalone_contract_and_its_validation(world):
    with pytest.raises(ValidationError) as err:
        services.create_contract(
            by=world.east_rep,
            customer=world.east_customer,
            title=" ",
            amount=Decimal("-1"),
            starts_on=dt.date(2026, 5, 1),
            ends_on=dt.date(2026, 4, 1),
        )
    assert set(err.value.message_dict) == {"title", "amount", "ends_on"}
    contract = services.create_contract(
        by=world.east_rep, customer=world.east_customer, title="Spare parts", amount=Decimal("5000")
    )
    assert contract.opportunity is None and contract.owner == world.east_rep


def test_a_deal_of_another_customer_is_refused(world, won):
    with pytest.raises(RuleViolation):
        services.create_contract(
            by=world.east_rep, customer=world.west_customer, title="x", amount=Decimal("1"), opportunity=won
        )


def test_edits_are_versioned_and_kept(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    services.update_contract(contract, by=world.east_rep, version=1, amount=Decimal("1100000"), notes="net")
    assert contract.version == 2
    line = DeliveryChange.objects.filter(contract=contract, action="updated").get()
    assert line.changes == {"amount": ["1200000.00", "1100000"], "notes": ["", "net"]}
    with pytest.raises(ConflictError):
        services.update_contract(contract, by=world.east_rep, version=1, notes="stale")
    assert Contract.objects.get(pk=contract.pk).notes == "net"


def test_approval_signs_the_contract(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    services.submit_for_approval(contract, by=world.east_rep)
    assert contract.status == ContractStatus.IN_APPROVAL
    with pytest.raises(RuleViolation, match="amount"):
        services.update_contract(contract, by=world.east_rep, amount=Decimal("1"))
    services.update_contract(contract, by=world.east_rep, notes="in approval notes still editable")
    approvals.decide(contract.approval, by=world.east_mgr, approve=True)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_APPROVAL  # the directors' step remains
    approvals.decide(contract.approval, by=world.director, approve=True, comment="OK")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert DeliveryChange.objects.filter(contract=contract, action="approved").exists()


def test_rejection_returns_the_draft_with_the_comment_in_history(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    services.submit_for_approval(contract, by=world.east_rep)
    approvals.decide(contract.approval, by=world.east_mgr, approve=False, comment="Payment terms too loose")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    line = DeliveryChange.objects.get(contract=contract, action="rejected")
    assert "Payment terms too loose" in line.summary
    assert line.changes["comment"] == ["", "Payment terms too loose"]
    services.update_contract(contract, by=world.east_rep, amount=Decimal("1000000"))
    services.submit_for_approval(contract, by=world.east_rep)
    assert contract.status == ContractStatus.IN_APPROVAL


def test_withdraw_returns_to_draft(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    services.submit_for_approval(contract, by=world.east_rep)
    services.withdraw_approval(contract, by=world.east_rep)
    assert contract.status == ContractStatus.DRAFT
    with pytest.raises(RuleViolation):
        services.withdraw_approval(contract, by=world.east_rep)


def test_status_flow_refuses_illegal_moves(world, won):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    with pytest.raises(RuleViolation, match="cannot become"):
        services.change_status(contract, by=world.east_rep, to=ContractStatus.IN_FORCE)
    contract = signed(world, won)
    with pytest.raises(RuleViolation):
        services.change_status(contract, by=world.east_rep, to=ContractStatus.COMPLETED)
    services.change_status(contract, by=world.east_rep, to=ContractStatus.IN_FORCE)
    with pytest.raises(ValidationError) as err:
        services.change_status(contract, by=world.east_rep, to=ContractStatus.TERMINATED)
    assert "reason" in err.value.message_dict
    services.change_status(
        contract, by=world.east_rep, to=ContractStatus.TERMINATED, reason="Customer insolvent"
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert contract.terminated_reason == "Customer insolvent"
    with pytest.raises(RuleViolation):
        services.change_status(contract, by=world.east_rep, to=ContractStatus.IN_FORCE)
    with pytest.raises(RuleViolation):
        services.update_contract(contract, by=world.east_rep, title="renamed")
    services.update_contract(contract, by=world.east_rep, notes="closed file")


def test_signed_contract_amount_moves_only_by_amendment(world, won):
    contract = signed(world, won)
    with pytest.raises(RuleViolation, match="amendment"):
        services.update_contract(contract, by=world.east_rep, amount=Decimal("1"))
    services.add_amendment(contract, by=world.east_rep, amount_change=Decimal("150000"), reason="Extra line")
    services.add_amendment(contract, by=world.east_rep, amount_change=Decimal("-50000"), reason="Scope cut")
    contract.refresh_from_db()
    assert contract.amount == Decimal("1300000")
    assert list(contract.amendments.values_list("amount_change", flat=True)) == [
        Decimal("150000"),
        Decimal("-50000"),
    ]
    lines = DeliveryChange.objects.filter(contract=contract, action="amended").order_by("id")
    assert [line.changes["amount"] for line in lines] == [
        ["1200000.00", "1350000.00"],
        ["1350000.00", "1300000.00"],
    ]


def test_amendment_needs_a_reason_a_change_and_a_signed_contract(world, won):
    draft = services.create_from_opportunity(won, by=world.east_rep)
    with pytest.raises(RuleViolation):
        services.add_amendment(draft, by=world.east_rep, amount_change=Decimal("1"), reason="x")
    contract = signed(world, win(world.east_opp2, "100"))
    with pytest.raises(ValidationError) as err:
        services.add_amendment(contract, by=world.east_rep2, amount_change=Decimal("0"), reason="")
    assert set(err.value.message_dict) == {"reason", "amount_change"}
    with pytest.raises(ValidationError, match="larger"):
        services.add_amendment(contract, by=world.east_rep2, amount_change=Decimal("-101"), reason="cut")


def test_attachments_checked_stored_and_deleted_with_history(
    world, won, settings, django_capture_on_commit_callbacks
):
    contract = services.create_from_opportunity(won, by=world.east_rep)
    settings.KAM_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="limit"):
        services.add_attachment(contract, by=world.east_rep, upload=SimpleUploadedFile("big.pdf", b"x" * 11))
    with pytest.raises(ValidationError, match="not accepted"):
        services.add_attachment(contract, by=world.east_rep, upload=SimpleUploadedFile("run.exe", b"MZ"))
    with pytest.raises(ValidationError, match="not a PDF"):
        services.add_attachment(contract, by=world.east_rep, upload=SimpleUploadedFile("a.pdf", b"MZ\x90"))
    with pytest.raises(ValidationError, match="empty"):
        services.add_attachment(contract, by=world.east_rep, upload=SimpleUploadedFile("a.pdf", b""))
    services.add_attachment(
        contract, by=world.east_rep, upload=SimpleUploadedFile("sheet.xlsx", b"PK\x03\x04rest")
    )
    attachment = services.add_attachment(
        contract, by=world.east_rep, upload=SimpleUploadedFile("signed.pdf", b"%PDF-1")
    )
    assert attachment.size == 6 and attachment.file.read() == b"%PDF-1"
    path = attachment.file.path
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(attachment, by=world.east_rep)
    assert list(ContractAttachment.objects.values_list("name", flat=True)) == ["sheet.xlsx"]
    assert not os.path.exists(path)
    actions = list(DeliveryChange.objects.filter(contract=contract).values_list("action", flat=True))
    assert "attached" in actions and "detached" in actions
