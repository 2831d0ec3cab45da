"""Imports: templates round-trip, row errors by row and column in both languages, all or nothing,
valid rows only, dry runs, duplicates refused or updated, managers resolved, who may import."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation

from kam.customers.models import Customer
from kam.imports import workbooks
from kam.imports.services import import_file
from kam.opportunities import rollups
from kam.opportunities.models import (
    NumberSequence,
    Opportunity,
    OpportunityContact,
    OpportunityMember,
    StageChange,
)
from kam.relationships.models import Contact
from tests.factories import ContactFactory, CustomerFactory
from tests.imports.conftest import csv_bytes, read_xlsx, xlsx

pytestmark = pytest.mark.django_db

CUSTOMERS = ["name", "owner", "industry", "status", "annual_revenue"]
CONTACTS = ["customer", "name", "title", "manager", "rank"]
OPPORTUNITIES = [
    "project_number",
    "customer",
    "name",
    "stage",
    "owner",
    "amount",
    "sign_date",
    "key_contacts",
]


def run(user, kind, rows, *, fmt="xlsx", **options):
    content = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)
    return import_file(by=user, kind=kind, content=content, filename=f"f.{fmt}", **options)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_templates_round_trip(world, fmt):
    user = world.east_mgr
    for kind in ("customers", "contacts", "opportunities"):
        content = workbooks.template_xlsx(kind, user) if fmt == "xlsx" else workbooks.template_csv(kind, user)
        rows = read_xlsx(content) if fmt == "xlsx" else None
        result = import_file(by=user, kind=kind, content=content, filename=f"t.{fmt}")
        assert result.ok, (kind, result.errors)
        assert result.created == (2 if kind == "contacts" else 1)
        if rows is not None:
            assert rows[0][: len(rows[0])] == list(rows[0])
    customer = Customer.objects.get(name="Example Steel")
    assert customer.owner == user
    wang = Contact.objects.get(customer=customer, name="Wang Fang")
    assert wang.reports_to.name == "Li Ming"
    deal = Opportunity.objects.get(customer=customer)
    assert deal.customer_lead.name == "Li Ming" and deal.amount == Decimal("1200000")
    assert OpportunityContact.objects.filter(opportunity=deal).count() == 2
    assert OpportunityMember.objects.filter(opportunity=deal, user=user).exists()
    assert StageChange.objects.filter(opportunity=deal).count() == 1
    assert rollups.verify() == []


def test_row_errors_name_row_and_column_in_both_languages(world):
    rows = [CUSTOMERS, ["Good", "", "", "active", "10"], ["Bad", "nobody", "", "weird", "x"]]
    result = run(world.east_mgr, "customers", rows)
    assert not result.ok and not Customer.objects.filter(name="Good").exists()
    where = {(e.row, e.field) for e in result.errors}
    assert where == {(3, "owner"), (3, "status"), (3, "annual_revenue")}
    columns = [e.column for e in result.errors]
    assert any(c.startswith("owner (") for c in columns)
    with translation.override("zh-hans"):
        result = run(world.east_mgr, "customers", rows)
        text = " ".join(f"{e.column} {e.message}" for e in result.errors)
        assert "owner (" in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)
        assert "Unknown person" not in text


def test_all_or_nothing_and_valid_rows(world):
    rows = [CUSTOMERS, ["Alpha", "", "", "", ""], ["Beta", "", "", "", "-5"], ["Gamma", "", "", "", ""]]
    result = run(world.east_mgr, "customers", rows)
    assert [e.row for e in result.errors] == [3] and result.errors[0].field == "annual_revenue"
    assert not Customer.objects.filter(name__in=["Alpha", "Gamma"]).exists()
    result = run(world.east_mgr, "customers", rows, valid_only=True)
    assert result.written and result.created == 2
    assert set(
        Customer.objects.filter(name__in=["Alpha", "Beta", "Gamma"]).values_list("name", flat=True)
    ) == {
        "Alpha",
        "Gamma",
    }


def test_dry_run_writes_nothing(world):
    before = (Customer.objects.count(), Contact.objects.count(), Opportunity.objects.count())
    result = run(world.east_mgr, "customers", [CUSTOMERS, ["Dry", "", "", "", ""]], dry_run=True)
    assert result.ok and not result.written and len(result.outcomes) == 1
    result = run(
        world.east_mgr,
        "opportunities",
        [OPPORTUNITIES, ["", "East Steel", "Dry deal", "P0", "east_rep", "10", "2027-03-31", ""]],
        dry_run=True,
    )
    assert result.ok and [o.action for o in result.outcomes] == ["create"]
    assert (Customer.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == before


def test_duplicates_refused_or_updated(world):
    rows = [CUSTOMERS, ["East Steel", "", "Steel", "", "99"]]
    refused = run(world.east_mgr, "customers", rows)
    assert [(e.row, e.field) for e in refused.errors] == [(2, "name")]
    updated = run(world.east_mgr, "customers", rows, on_duplicate="update")
    assert updated.ok and updated.updated == 1
    world.east_customer.refresh_from_db()
    assert world.east_customer.industry == "Steel" and world.east_customer.annual_revenue == Decimal("99")
    ContactFactory(customer=world.east_customer, name="Zhao")
    contact_rows = [CONTACTS, ["East Steel", "Zhao", "CTO", "", ""]]
    assert run(world.east_mgr, "contacts", contact_rows).errors[0].field == "name"
    assert run(world.east_mgr, "contacts", contact_rows, on_duplicate="update").updated == 1
    assert Contact.objects.get(name="Zhao").title == "CTO"
    number = world.east_opp.project_number
    opp_rows = [OPPORTUNITIES, [number, "East Steel", "Renamed furnace", "P0", "", "2000", "", ""]]
    assert run(world.east_mgr, "opportunities", opp_rows).errors[0].field == "project_number"
    result = run(world.east_mgr, "opportunities", opp_rows, on_duplicate="update")
    assert result.ok and result.updated == 1
    world.east_opp.refresh_from_db()
    assert world.east_opp.name == "Renamed furnace" and world.east_opp.amount == Decimal("2000")
    assert rollups.verify() == []


def test_a_rep_is_refused(world):
    with pytest.raises(PermissionDenied):
        run(world.east_rep, "customers", [CUSTOMERS, ["Nope", "", "", "", ""]])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_managers_resolved_in_the_file_or_stored(world, fmt):
    boss = ContactFactory(customer=world.east_customer, name="Boss")
    rows = [
        CONTACTS,
        ["East Steel", "Deputy", "", "Head", ""],  # the manager comes later in the file
        ["East Steel", "Head", "", "Boss", "high"],  # a stored contact
        ["East Steel", "Loose", "", "", ""],
    ]
    result = run(world.east_mgr, "contacts", rows, fmt=fmt)
    assert result.ok and result.created == 3
    head = Contact.objects.get(name="Head")
    assert head.reports_to == boss and Contact.objects.get(name="Deputy").reports_to == head
    bad = [
        CONTACTS,
        ["East Steel", "X1", "", "X2", ""],
        ["East Steel", "X2", "", "X1", ""],
        ["East Steel", "Y", "", "Nobody", ""],
    ]
    result = run(world.east_mgr, "contacts", bad, fmt=fmt)
    assert {(e.row, e.field) for e in result.errors} >= {(2, "manager"), (3, "manager"), (4, "manager")}
    assert not Contact.objects.filter(name__in=["X1", "X2", "Y"]).exists()


def test_opportunity_rows_follow_the_stage_rules(world):
    rows = [
        OPPORTUNITIES,
        ["", "East Steel", "No amount late", "P4", "east_rep", "", "", ""],
        ["", "Nowhere", "x", "P0", "", "", "", ""],
        ["", "East Steel", "Fine", "P0", "east_rep", "5", "2027-01-31", "Ghost:coach"],
        ["", "East Steel", "Fine too", "P0", "east_rep", "5", "2027-01-31", ""],
    ]
    result = run(world.east_mgr, "opportunities", rows, valid_only=True)
    fields = {(e.row, e.field) for e in result.errors}
    assert (2, "amount") in fields and (3, "customer") in fields and (4, "key_contacts") in fields
    assert result.created == 1 and Opportunity.objects.filter(name="Fine too").exists()
    rep_cannot_own = run(
        world.east_mgr,
        "opportunities",
        [OPPORTUNITIES, ["", "East Steel", "W", "P0", "west_rep", "5", "", ""]],
    )
    assert rep_cannot_own.errors[0].field == "owner"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_audit_page_shows_an_imported_deals_team_and_key_contacts(world, client, language):
    buyer = ContactFactory(customer=world.east_customer, name="Zhao Buyer")
    rows = [
        OPPORTUNITIES,
        ["", world.east_customer.name, "Kiln", "P0", "east_rep", "5", "", "Zhao Buyer:coach:A"],
    ]
    assert run(world.east_mgr, "opportunities", rows).created == 1
    deal = Opportunity.objects.get(name="Kiln")
    client.force_login(world.admin)
    with translation.override(language):
        response = client.get("/audit/", {"q": str(deal.pk)}, HTTP_ACCEPT_LANGUAGE=language)
        team, chain = (
            str(OpportunityMember._meta.verbose_name_plural),
            str(OpportunityContact._meta.verbose_name_plural),
        )
    (row,) = [r for r in response.context["rows"] if r.label == str(deal)]
    # First, before the deal's own fields (the line is cut at its length limit); in any order,
    # as PostgreSQL's jsonb keeps its keys in an order of its own.
    first_two = set(row.changes.split("; ")[:2])
    assert first_two == {
        f"{team}: None → {world.east_rep.pk} (leader)",
        f"{chain}: None → {buyer.pk} (coach, A)",
    }
    assert ".None" not in row.changes  # auditlog's text of the empty related managers is left out


def test_the_models_own_checks_run_on_the_values_from_the_file(world):
    rows = [
        OPPORTUNITIES + ["gross_margin", "product_line"],
        ["", "East Steel", "x" * 201, "P0", "east_rep", "5", "", "", "", ""],
        ["", "East Steel", "Margin", "P0", "east_rep", "5", "", "", "150", ""],
        ["", "East Steel", "Line", "P0", "east_rep", "5", "", "", "", "y" * 101],
        ["", "East Steel", "Digits", "P0", "east_rep", "1234567890123456", "", "", "", ""],
        ["", "East Steel", "Fine", "P0", "east_rep", "5", "", "", "30", "Drives"],
    ]
    result = run(world.east_mgr, "opportunities", rows, valid_only=True)
    fields = {(e.row, e.field) for e in result.errors}
    assert fields == {(2, "name"), (3, "gross_margin"), (4, "product_line"), (5, "amount")}
    assert result.created == 1 and Opportunity.objects.get(name="Fine").gross_margin == Decimal("30")


@pytest.mark.parametrize("count", [40, 400])
def test_contacts_import_reads_and_writes_in_a_bounded_number_of_queries(
    world, count, django_assert_max_num_queries
):
    # Per-row checks of the customer and of the influence constraint in the database would be two
    # queries a row: 400 rows must cost what 40 do.
    rows = [CONTACTS]
    for n in range(count):
        rows.append(["East Steel", f"Person {n:03d}", "Engineer", f"Person {n - 1:03d}" if n else "", ""])
    with django_assert_max_num_queries(40):
        result = run(world.east_mgr, "contacts", rows)
    assert result.ok and result.created == count
    assert Contact.objects.filter(customer=world.east_customer, reports_to__name="Person 000").count() == 1


def test_contacts_import_still_refuses_an_influence_outside_one_to_five(world):
    result = run(
        world.east_mgr, "contacts", [[*CONTACTS, "influence"], ["East Steel", "Qian", "", "", "", "9"]]
    )
    assert [(e.row, e.field) for e in result.errors] == [(2, "influence")]
    assert not Contact.objects.filter(name="Qian").exists()


def test_an_import_rescores_its_customers_a_few_at_once_many_after_it_commits(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from kam.customers.scoring import engine, tasks

    rescored: list[list[int] | None] = []
    monkeypatch.setattr(engine, "rescore", lambda ids=None: rescored.append(ids))
    east = Customer.objects.get(name="East Steel")
    row = ["", "East Steel", "Rescored", "P0", "east_rep", "5", "2027-01-31", ""]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert run(world.east_mgr, "opportunities", [OPPORTUNITIES, row]).created == 1
    assert rescored == [[east.pk]] and not callbacks  # one customer: within the import

    rescored.clear()
    monkeypatch.setattr(tasks, "SYNC_LIMIT", 0)  # "many": the background worker's, after commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        later = [*row[:2], "Later", *row[3:]]
        assert run(world.east_mgr, "opportunities", [OPPORTUNITIES, later]).created == 1
    assert rescored == []
    for callback in callbacks:
        callback()
    assert rescored == [[east.pk]]


@pytest.mark.parametrize("kind", ["customers", "contacts", "opportunities"])
def test_an_import_makes_records_of_the_customers_its_rows_name_only(world, kind, monkeypatch):
    # A director sees every customer: reading them all as records cost more than a second at
    # 50,000. Names are matched whatever their case, the first customer by id where two share one.
    for n in range(30):
        CustomerFactory(name=f"Bystander {n}", owner=world.east_mgr)
    made = []
    original = Customer.from_db.__func__

    def counted(cls, db, field_names, values):
        made.append(values)
        return original(cls, db, field_names, values)

    monkeypatch.setattr(Customer, "from_db", classmethod(counted))
    rows = {
        "customers": [CUSTOMERS + ["parent"], ["New Group Member", "east_mgr", "", "", "", "east steel"]],
        "contacts": [CONTACTS, ["EAST STEEL", "Zhou Named", "Buyer", "", ""]],
        "opportunities": [OPPORTUNITIES, ["", "east Steel", "Named deal", "P0", "east_rep", "5", "", ""]],
    }[kind]
    result = run(world.east_mgr, kind, rows)
    assert result.ok, result.errors
    assert len(made) <= 2
    if kind == "customers":
        assert Customer.objects.get(name="New Group Member").parent == world.east_customer
    elif kind == "contacts":
        assert Contact.objects.get(name="Zhou Named").customer == world.east_customer
    else:
        assert Opportunity.objects.get(name="Named deal").customer == world.east_customer


def _deal(name, *, number="", stage="P4", amount="1000"):
    return [number, "East Steel", name, stage, "east_rep", amount, "2027-06-30", ""]


def test_a_wrong_row_after_right_ones_leaves_nothing_and_every_error_is_reported(world):
    """On PostgreSQL the right rows are already being written when a wrong one is found: the
    write is undone, the rows after it are still checked, and no project number is used up."""
    before = (Opportunity.objects.count(), StageChange.objects.count(), OpportunityMember.objects.count())
    numbers = list(NumberSequence.objects.values_list("prefix", "year", "last"))
    rows = [OPPORTUNITIES] + [_deal(f"Mill {i}") for i in range(6)]
    rows[3][3] = "P99"  # row 4 (the header is row 1)
    rows[5][5] = "lots"  # row 6
    result = run(world.east_mgr, "opportunities", rows)
    assert not result.written and (result.created, result.updated) == (0, 0)
    assert [(e.row, e.field) for e in result.errors] == [(4, "stage"), (6, "amount")]
    assert (
        Opportunity.objects.count(),
        StageChange.objects.count(),
        OpportunityMember.objects.count(),
    ) == before
    assert list(NumberSequence.objects.values_list("prefix", "year", "last")) == numbers
    # The same file put right is written whole, numbered without a gap.
    rows[3][3], rows[5][5] = "P4", "2000"
    result = run(world.east_mgr, "opportunities", rows)
    assert result.written and result.created == 6
    made = sorted(
        Opportunity.objects.filter(name__startswith="Mill ").values_list("project_number", flat=True)
    )
    tails = [int(n.rsplit("-", 1)[1]) for n in made]
    assert tails == list(range(tails[0], tails[0] + 6))
    assert rollups.verify() == []


def test_new_and_updated_deals_in_one_file(world):
    """Rows naming an existing deal update it and the others are new: the new ones are counted
    before the first is checked (PostgreSQL sends them as they are checked)."""
    number = world.east_opp.project_number
    rows = [
        OPPORTUNITIES,
        _deal("Kiln one"),
        _deal("", number=number, stage=world.east_opp.stage.code, amount="777"),
        _deal("Kiln two"),
    ]
    result = run(world.east_mgr, "opportunities", rows, on_duplicate="update")
    assert result.ok and (result.created, result.updated) == (2, 1), result.errors
    world.east_opp.refresh_from_db()
    assert world.east_opp.amount == Decimal("777")
    assert set(Opportunity.objects.filter(name__startswith="Kiln ").values_list("name", flat=True)) == {
        "Kiln one",
        "Kiln two",
    }
    assert rollups.verify() == []


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="only PostgreSQL writes the rows as they are checked"
)
def test_postgresql_checks_the_rows_while_the_deals_are_sent(world, monkeypatch):
    """The deals' COPY is open while the rows are checked (the server inserts the first while
    this process checks the next): the progress reports come from inside it."""
    from kam.imports import bulk, services

    monkeypatch.setattr(services, "PROGRESS_STEP", 2)
    inside = []

    def progress(phase, done, total):
        inside.append((phase, done, bulk._no_query_during_copy in connection.execute_wrappers))

    rows = [OPPORTUNITIES] + [_deal(f"Press {i}") for i in range(5)]
    result = import_file(
        by=world.east_mgr, kind="opportunities", content=csv_bytes(rows), filename="f.csv", progress=progress
    )
    assert result.written and result.created == 5
    assert inside == [
        ("checking", 2, True),
        ("checking", 4, True),
        ("checking", 5, True),
        ("writing", 5, False),
    ]


def test_a_written_import_reports_the_same_errors_as_its_dry_run(world):
    """The dry run checks every row before anything is written; a real import (on PostgreSQL,
    checking while it writes) must report the very same errors and write nothing."""
    number = world.east_opp.project_number
    rows = [OPPORTUNITIES] + [_deal(f"Line {i}") for i in range(12)]
    rows[2][3] = "P42"  # unknown stage
    rows[4][5] = "-"  # not an amount
    rows[5][1] = "Nobody Ltd"  # unknown customer
    rows[7][0] = number  # an existing deal, refused
    rows[8][6] = "31/31/2027"  # not a date
    rows[12][4] = "ghost"  # unknown owner
    before = (Opportunity.objects.count(), StageChange.objects.count())
    dry = run(world.east_mgr, "opportunities", rows, dry_run=True)
    real = run(world.east_mgr, "opportunities", rows)
    assert len({e.row for e in dry.errors}) == 6
    assert [(e.row, e.field, e.message) for e in real.errors] == [
        (e.row, e.field, e.message) for e in dry.errors
    ]
    assert not real.written and (Opportunity.objects.count(), StageChange.objects.count()) == before


@pytest.mark.parametrize("wrong", [[1], [1, 2, 3]], ids=["first row", "every row"])
def test_an_import_wrong_from_its_first_row_writes_nothing(world, wrong):
    """The write stops before its first deal (PostgreSQL's COPY ends with none sent) or never
    has one to send; each wrong row is reported either way."""
    before = (Opportunity.objects.count(), list(NumberSequence.objects.values_list("last", flat=True)))
    rows = [OPPORTUNITIES] + [_deal(f"Shaft {i}") for i in range(3)]
    for index in wrong:
        rows[index][3] = "P77"
    result = run(world.east_mgr, "opportunities", rows)
    assert not result.written and [(e.row, e.field) for e in result.errors] == [
        (index + 1, "stage") for index in wrong
    ]
    after = (Opportunity.objects.count(), list(NumberSequence.objects.values_list("last", flat=True)))
    assert after == before
