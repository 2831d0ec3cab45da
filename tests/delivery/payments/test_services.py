import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError
from kam.delivery.models import CustomerCare, DeliveryChange, Instalment, Payment
from kam.delivery.payments import services
from tests.delivery.payments.helpers import add, make_contract

D = Decimal
JAN, FEB, MAR = dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)


@pytest.fixture
def contract(world):
    return make_contract(world.east_customer, world.east_rep, "1000")


def _fresh(inst):
    return Instalment.objects.get(pk=inst.pk)


def test_plan_by_amount_and_percentage_total_capped(world, contract):
    a = add(contract, world.east_rep, "300", JAN)
    b = services.add_instalment(
        contract, by=world.east_rep, name="On acceptance", due_date=FEB, percentage="50"
    )
    assert b.amount == D("500.00") and b.percentage == D("50")
    with pytest.raises(ValidationError) as err:
        add(contract, world.east_rep, "200.01", MAR)
    assert "more than the contract's amount" in str(err.value)
    add(contract, world.east_rep, "200", MAR)
    assert a.order < b.order
    assert (
        DeliveryChange.objects.filter(contract=contract, record="instalment", action="created").count() == 3
    )


def test_percentage_follows_an_amendment_fixed_amount_stays(world, contract):
    fixed = add(contract, world.east_rep, "300", JAN)
    pct = services.add_instalment(contract, by=world.east_rep, name="Rest", due_date=FEB, percentage="40")
    contract.amount = D("2000")
    contract.save(update_fields=["amount"])
    moved = services.follow_contract_amount(contract, by=world.east_rep)
    assert [i.pk for i in moved] == [pct.pk]
    assert _fresh(pct).amount == D("800.00") and _fresh(pct).version == 2
    assert _fresh(fixed).amount == D("300")
    line = DeliveryChange.objects.filter(record="instalment", record_id=pct.pk, action="edited").get()
    assert line.changes == {"amount": ["400.00", "800.00"]}


def test_edit_is_versioned_and_switches_between_amount_and_percentage(world, contract):
    inst = add(contract, world.east_rep, "300", JAN)
    edited = services.update_instalment(
        inst, by=world.east_rep, version=1, percentage="25", name="Down payment"
    )
    assert (edited.amount, edited.percentage, edited.version) == (D("250.00"), D("25"), 2)
    with pytest.raises(ConflictError):
        services.update_instalment(inst, by=world.east_rep, version=1, name="stale")
    edited = services.update_instalment(edited, by=world.east_rep, version=2, amount="100", percentage=None)
    assert (edited.amount, edited.percentage) == (D("100.00"), None)
    with pytest.raises(ValidationError):
        services.update_instalment(edited, by=world.east_rep, version=3, amount="1000.01")


def test_automatic_matching_oldest_first_with_a_partial(world, contract):
    later = add(contract, world.east_rep, "400", FEB)
    oldest = add(contract, world.east_rep, "300", JAN)
    services.record_payment(contract, by=world.east_rep, amount="500", received_on=dt.date(2026, 2, 5))
    assert _fresh(oldest).received == D("300") and _fresh(oldest).paid_on == dt.date(2026, 2, 5)
    assert _fresh(later).received == D("200") and _fresh(later).paid_on is None
    services.record_payment(contract, by=world.east_rep, amount="200", received_on=dt.date(2026, 3, 1))
    assert _fresh(later).received == D("400") and _fresh(later).paid_on == dt.date(2026, 3, 1)


def test_named_matching_and_refusals(world, contract):
    first = add(contract, world.east_rep, "300", JAN)
    second = add(contract, world.east_rep, "400", FEB)
    services.record_payment(
        contract,
        by=world.east_rep,
        amount="150",
        received_on=dt.date(2026, 2, 1),
        allocations=[(second.pk, "150")],
    )
    assert _fresh(first).received == 0 and _fresh(second).received == D("150")
    with pytest.raises(ValidationError) as over:
        services.record_payment(
            contract,
            by=world.east_rep,
            amount="300",
            received_on=dt.date(2026, 2, 1),
            allocations=[(second.pk, "300")],
        )
    assert "250.00 outstanding" in str(over.value)
    with pytest.raises(ValidationError) as short:
        services.record_payment(
            contract,
            by=world.east_rep,
            amount="300",
            received_on=dt.date(2026, 2, 1),
            allocations=[(first.pk, "200")],
        )
    assert "must add up" in str(short.value)
    # Nothing half-written: the refused payments left no row and no allocation.
    assert Payment.objects.filter(contract=contract).count() == 1
    with pytest.raises(ValidationError) as remainder:
        services.record_payment(contract, by=world.east_rep, amount="551", received_on=dt.date(2026, 2, 1))
    assert "550.00 outstanding" in str(remainder.value)


def test_deleting_a_payment_reverses_its_allocations(world, contract):
    first = add(contract, world.east_rep, "300", JAN)
    second = add(contract, world.east_rep, "400", FEB)
    keep = services.record_payment(
        contract, by=world.east_rep, amount="100", received_on=dt.date(2026, 1, 20)
    )
    gone = services.record_payment(
        contract, by=world.east_rep, amount="400", received_on=dt.date(2026, 2, 20)
    )
    assert _fresh(first).paid_on == dt.date(2026, 2, 20)
    services.delete_payment(gone, by=world.east_rep)
    assert _fresh(first).received == D("100") and _fresh(first).paid_on is None
    assert _fresh(second).received == 0
    assert keep.allocations.count() == 1
    assert DeliveryChange.objects.filter(record="payment", record_id=gone.pk, action="deleted").exists()
    with pytest.raises(ValidationError):
        services.remove_instalment(_fresh(first), by=world.east_rep)


def test_invoices_unique_per_contract_and_kept_on_the_instalment(world, contract):
    inst = add(contract, world.east_rep, "300", JAN)
    services.issue_invoice(
        contract, by=world.east_rep, number="F-1", issued_on=JAN, amount="200", instalment=inst
    )
    assert _fresh(inst).invoiced == D("200")
    with pytest.raises(ValidationError) as dup:
        services.issue_invoice(contract, by=world.east_rep, number="F-1", issued_on=JAN, amount="10")
    assert "already has an invoice F-1" in str(dup.value)
    with pytest.raises(ValidationError):
        services.issue_invoice(
            contract, by=world.east_rep, number="F-2", issued_on=JAN, amount="101", instalment=inst
        )
    other = make_contract(world.east_customer, world.east_rep, "1000")
    services.issue_invoice(other, by=world.east_rep, number="F-1", issued_on=JAN, amount="10")
    invoice = contract.invoices.get()
    services.delete_invoice(invoice, by=world.east_rep)
    assert _fresh(inst).invoiced == 0


def test_refresh_care_follows_payments_and_the_date(world, contract):
    today = services.today()
    inst = add(contract, world.east_rep, "300", today - dt.timedelta(days=10))
    add(contract, world.east_rep, "200", today + dt.timedelta(days=10))
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.overdue_amount == D("300") and care.oldest_overdue_due == inst.due_date
    services.record_payment(contract, by=world.east_rep, amount="120", received_on=today)
    care.refresh_from_db()
    assert care.overdue_amount == D("180")
    # Twenty days on, the second instalment is overdue too, with no write at all.
    assert services.refresh_care(None, on=today + dt.timedelta(days=20)) == 1
    care.refresh_from_db()
    assert care.overdue_amount == D("380")
    services.record_payment(contract, by=world.east_rep, amount="380", received_on=today)
    care.refresh_from_db()
    assert (care.overdue_amount, care.oldest_overdue_due) == (0, None)


def test_refresh_care_writes_only_its_fields(world, contract):
    CustomerCare.objects.create(customer=world.east_customer, satisfaction_level=4, churn_percent=D("10"))
    add(contract, world.east_rep, "300", services.today() - dt.timedelta(days=3))
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert (care.satisfaction_level, care.churn_percent, care.overdue_amount) == (4, D("10"), D("300"))


def test_daily_task_and_command(world, contract, settings):
    from django.core.management import call_command

    from kam.delivery.payments.tasks import refresh_overdue_task

    add(contract, world.east_rep, "300", services.today() - dt.timedelta(days=3))
    CustomerCare.objects.filter(customer=world.east_customer).update(
        overdue_amount=0, oldest_overdue_due=None
    )
    result = refresh_overdue_task.enqueue()
    assert result.return_value == 1
    assert CustomerCare.objects.get(customer=world.east_customer).overdue_amount == D("300")
    CustomerCare.objects.filter(customer=world.east_customer).update(overdue_amount=0)
    call_command("refresh_receivables")
    assert CustomerCare.objects.get(customer=world.east_customer).overdue_amount == D("300")


def test_a_draft_contract_takes_no_payment(world):
    draft = make_contract(world.east_customer, world.east_rep, "1000", status="draft")
    add(draft, world.east_rep, "300", JAN)
    with pytest.raises(ValidationError):
        services.record_payment(draft, by=world.east_rep, amount="100", received_on=JAN)
    assert not CustomerCare.objects.filter(customer=world.east_customer, overdue_amount__gt=0).exists()


def test_an_amendment_through_the_contracts_services_moves_percentage_instalments(world, contract):
    from kam.delivery.contracts import services as contracts

    pct = services.add_instalment(contract, by=world.east_rep, name="Rest", due_date=FEB, percentage="50")
    contracts.add_amendment(contract, by=world.east_rep, amount_change=D("600"), reason="More scope")
    assert _fresh(pct).amount == D("800.00")
