"""Every workbook kam writes takes any stored text: control characters (which openpyxl refuses) in
names, labels and tags come out as U+FFFD, and the file opens again."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import load_workbook

from kam.core.excel import REPLACEMENT, safe_cell
from kam.customers.models import CustomerTag, Tag
from kam.org.models import Role, Target
from tests.factories import CustomerFactory, TeamFactory, UserFactory, make_opportunity

CONTROLS = [chr(c) for c in range(0x00, 0x20)] + ["\x7f"]


@pytest.mark.parametrize("char", CONTROLS)
def test_safe_cell_makes_every_control_character_legal(char):
    from openpyxl import Workbook

    value = safe_cell(f"a{char}b")
    Workbook().active.append([value, safe_cell(char), safe_cell(f"{char}=1+1")])  # raises if illegal
    if char in "\t\n\r\x7f":
        assert value == f"a{char}b"
    else:
        assert value == f"a{REPLACEMENT}b"


def test_safe_cell_keeps_the_formula_guard():
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)" and safe_cell("\x00=1") == f"{REPLACEMENT}=1"
    assert safe_cell(7) == 7 and safe_cell(None) is None


def _stored_controls() -> list[str]:
    # PostgreSQL cannot store NUL in text (the API and forms refuse it); SQLite can.
    return [c for c in CONTROLS if c != "\x00" or connection.vendor != "postgresql"]


@pytest.fixture
def dirty(db):
    """A director, and a team, people, customers, a tag and deals whose text holds every control character."""
    chars = _stored_controls()
    root = TeamFactory(name="Sales")
    team = TeamFactory(name="East" + "".join(chars[:8]), parent=root)
    director = UserFactory(username="director", role=Role.DIRECTOR, team=root)
    manager = UserFactory(username="mgr\x01", name="Manager" + "".join(chars), role=Role.MANAGER, team=team)
    customers = []
    for i, char in enumerate(chars):
        rep = UserFactory(username=f"rep{i}", name=f"Rep{char}{i}", team=team)
        parent = CustomerFactory(name=f"Group{char}{i}", owner=rep)
        customer = CustomerFactory(
            name=f"{char}Steel{char}{i}",
            short_name=f"S{char}",
            parent=parent,
            owner=rep,
            industry=f"Ind{char}",
            region=f"{char}",
            notes=f"notes{char}",
        )
        tag = Tag.objects.create(name=f"tag{char}{i}")
        CustomerTag.objects.create(customer=customer, tag=tag)
        make_opportunity(
            owner=rep,
            customer=customer,
            name=f"Deal{char}{i}",
            stage_code="P2",
            amount=Decimal("1000"),
            sign_date=dt.date(2027, 5, 5),
            product_line=f"Line{char}{i}",
        )
        customers.append(customer)
    Target.objects.create(
        team=team, period_start=dt.date(2027, 4, 1), period_end=dt.date(2027, 6, 30), amount=Decimal("5000")
    )

    class Dirty:
        pass

    d = Dirty()
    d.__dict__.update(director=director, manager=manager, customers=customers, chars=chars)
    return d


def _cells(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    workbook = load_workbook(io.BytesIO(response.content))
    return [str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row if v]


def test_customer_exports_write_every_control_character(client, api_as, dirty):
    client.force_login(dirty.director)
    page = _cells(client.get("/customers/export/"))
    api = _cells(api_as(dirty.director).get("/customers/export.xlsx"))
    for cells in (page, api):
        text = "\n".join(cells)
        assert f"{REPLACEMENT}Steel{REPLACEMENT}" in text  # \x01 and friends, replaced
        assert "\tSteel\t" in text and "\nSteel\n" in text  # tab and new line kept
        assert not any(c in text for c in dirty.chars if c not in "\t\n\r\x7f")
    ids = "&".join(f"ids={c.pk}" for c in dirty.customers[:5])
    assert _cells(client.get(f"/customers/export/?selected=1&{ids}"))


@pytest.mark.parametrize("group", ["team", "rep", "customer", "product_line"])
def test_forecast_export_writes_every_control_character(client, dirty, group):
    client.force_login(dirty.director)
    cells = _cells(client.get("/insights/forecast/export.xlsx", {"p": "2027 Q2", "group": group}))
    assert any(REPLACEMENT in cell for cell in cells), cells[:10]


def test_targets_template_writes_a_team_name_with_control_characters(client, dirty):
    client.force_login(dirty.manager)
    cells = _cells(client.get("/insights/targets/template.xlsx"))
    assert f"East{REPLACEMENT}" in "\n".join(cells)
