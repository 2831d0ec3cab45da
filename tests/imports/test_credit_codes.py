"""An import's credit codes are checked as the form's are: the check character, a code another
customer holds, the same code twice in one file; pinyin search keys are written on the bulk path."""

from __future__ import annotations

import pytest

from kam.customers.models import Customer
from kam.imports.services import import_file
from kam.opportunities.models import Opportunity
from kam.relationships.models import Contact
from tests.factories import CustomerFactory
from tests.imports.conftest import xlsx

pytestmark = pytest.mark.django_db

HEADER = ["name", "owner", "industry", "credit_code"]


def run(user, rows, **options):
    return import_file(by=user, kind="customers", content=xlsx([HEADER, *rows]), filename="f.xlsx", **options)


def test_codes_are_checked_row_by_row(world):
    CustomerFactory(name="Huawei", owner=world.west_rep, credit_code="91350100M000100Y43")
    result = run(
        world.east_mgr,
        [
            ["A", "east_rep", "", "91350100M000100Y44"],  # wrong check character
            ["B", "east_rep", "", "91350100M000100Y43"],  # another customer's
            ["C", "east_rep", "", "91110108551385082q"],
            ["D", "east_rep", "", "91110108551385082Q"],  # C's, in the same file
        ],
        valid_only=True,
    )
    assert {(e.row, e.field) for e in result.errors} == {
        (2, "credit_code"),
        (3, "credit_code"),
        (5, "credit_code"),
    }
    assert Customer.objects.get(name="C").credit_code == "91110108551385082Q"
    assert not Customer.objects.filter(name__in=["A", "B", "D"]).exists()


def test_imported_records_are_found_by_pinyin(world):
    result = run(world.east_mgr, [["中国移动", "east_rep", "Telecom", ""]])
    assert result.ok, result.errors
    customer = Customer.objects.get(name="中国移动")
    assert customer.search_key == "zhongguoyidong zgyd" and customer.industry == "通信"
    contacts = import_file(
        by=world.east_mgr,
        kind="contacts",
        content=xlsx([["customer", "name"], ["中国移动", "王小明"]]),
        filename="c.xlsx",
    )
    assert contacts.ok, contacts.errors
    assert Contact.objects.get(name="王小明").search_key == "wangxiaoming wxm"
    deals = import_file(
        by=world.east_mgr,
        kind="opportunities",
        content=xlsx([["customer", "name", "stage", "owner"], ["中国移动", "核心网扩容", "P0", "east_rep"]]),
        filename="o.xlsx",
    )
    assert deals.ok, deals.errors
    assert Opportunity.objects.get(name="核心网扩容").search_key == "hexinwangkuorong hxwkr"


def test_an_update_keeps_its_own_code(world):
    CustomerFactory(name="Huawei", owner=world.east_rep, credit_code="91350100M000100Y43")
    result = run(
        world.east_mgr, [["Huawei", "east_rep", "Telecom", "91350100M000100Y43"]], on_duplicate="update"
    )
    assert result.ok, result.errors
    assert Customer.objects.get(name="Huawei").industry == "通信"
