"""The history helper's values and the admin pages of the delivery data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.delivery import history
from kam.delivery.contracts import services
from kam.delivery.models import DeliveryChange

pytestmark = pytest.mark.django_db


def test_record_keeps_json_safe_values(world):
    line = history.record(
        customer=world.east_customer,
        record="instalment",
        record_id=7,
        action="updated",
        by=world.east_rep,
        summary="x" * 400,
        changes={"amount": [Decimal("1.50"), Decimal("2")], "due": [dt.date(2026, 1, 1), None]},
    )
    line = DeliveryChange.objects.get(pk=line.pk)
    assert line.changes == {"amount": ["1.50", "2"], "due": ["2026-01-01", None]}
    assert len(line.summary) == 300 and line.contract_id is None


def test_diff_names_only_the_changed_fields():
    assert history.diff({"a": Decimal("1.0"), "b": "x"}, {"a": Decimal("1.0"), "b": "y"}) == {"b": ["x", "y"]}


def test_admin_lists_contracts_read_only_and_the_data(client, world):
    contract = services.create_contract(
        by=world.east_rep, customer=world.east_customer, title="Spare parts", amount=Decimal("10")
    )
    client.force_login(world.admin)
    body = client.get(reverse("admin:delivery_contract_changelist")).content.decode()
    assert contract.number in body
    assert client.get(reverse("admin:delivery_contract_add")).status_code == 403
    for name in ("handoveritem", "servicekind", "slatarget", "surveyquestion", "churnband"):
        assert client.get(reverse(f"admin:delivery_{name}_changelist")).status_code == 200
