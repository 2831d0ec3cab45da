"""Import customers, contacts and opportunities from a file: validate every row, then write.

Every row is checked by the rules the services apply (the model's validation, the four elements
of the stage, who may own what); errors name the row and the column. By default nothing is
written unless every row is right; `valid_only` writes the right rows and reports the others;
`dry_run` reports what would happen and writes nothing. A row naming an existing record (a
customer by name, a contact by name within its customer, an opportunity by project number) is
refused or updated through the update service, as the user chose. New records are written in
batches inside one transaction (kam.imports.bulk), each customer rescored once at the end. On
PostgreSQL an opportunity import that writes checks its rows inside the write: each new deal is
sent as its row is found right, and a wrong row undoes the write (`check_and_write`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.access.visibility import customers_for, opportunities_for
from kam.core.companies import normalise_credit_code
from kam.customers import services as customer_services
from kam.customers.history import both_languages
from kam.customers.models import Customer, CustomerChange, CustomerStatus
from kam.customers.scoring import tasks as rescores
from kam.imports import bulk
from kam.imports.columns import COLUMNS, REQUIRED, column_label, header_index
from kam.insights.targets.selectors import settable_users
from kam.insights.targets.services import read_rows
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import (
    DatePrecision,
    ForecastCategory,
    Opportunity,
    SalesProcess,
    Stage,
)
from kam.org.models import User
from kam.relationships import services as contact_services
from kam.relationships.models import Contact, DecisionRole, Rank, Stance

DUPLICATE_CHOICES = ("refuse", "update")
# The errors and outcomes a stored result keeps (the page shows at most this many).
STORED = 1000
# Progress is reported every this many rows.
PROGRESS_STEP = 500


@dataclass
class RowError:
    row: int
    field: str
    message: str

    @property
    def column(self) -> str:
        return column_label(self.field)


@dataclass
class RowOutcome:
    row: int
    action: str  # "create" or "update"
    label: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    valid_only: bool = False
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    written: bool = False
    # Counts of all errors and outcomes, where the lists keep only the first ones (a stored result).
    error_count: int | None = None
    outcome_count: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def errors_total(self) -> int:
        return len(self.errors) if self.error_count is None else self.error_count

    @property
    def outcomes_total(self) -> int:
        return len(self.outcomes) if self.outcome_count is None else self.outcome_count

    def as_json(self, limit: int = STORED) -> dict[str, Any]:
        """The result as stored with a background import: the first `limit` errors and outcomes."""
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "valid_only": self.valid_only,
            "created": self.created,
            "updated": self.updated,
            "written": self.written,
            "errors": [[e.row, e.field, e.message] for e in self.errors[:limit]],
            "outcomes": [[o.row, o.action, o.label] for o in self.outcomes[:limit]],
            "error_count": self.errors_total,
            "outcome_count": self.outcomes_total,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportResult:
        return cls(
            **{k: v for k, v in data.items() if k not in ("errors", "outcomes")},
            errors=[RowError(*e) for e in data["errors"]],
            outcomes=[RowOutcome(*o) for o in data["outcomes"]],
        )


class RowInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors


def _fail(column: str, message: str) -> RowInvalid:
    return RowInvalid({column: [message]})


# Cells ------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value: Any, column: str) -> Decimal | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _fail(column, _("Enter a number.")) from None
    if not number.is_finite():
        raise _fail(column, _("Enter a number."))
    return number


def _integer(value: Any, column: str) -> int | None:
    number = _decimal(value, column)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _fail(column, _("Enter a whole number."))
    return int(number)


def _date(value: Any, column: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _fail(column, _("Write a date as 2027-03-31.")) from None


_CHOICE_NAMES: dict[type[models.Choices], dict[str, str]] = {}


def _choice(value: Any, choices: type[models.Choices], column: str, default: str = "") -> str:
    """A choice by its stored value or its label in either language (the names worked out once
    per set of choices: a file repeats them on every row)."""
    text = _text(value)
    if not text:
        return default
    names = _CHOICE_NAMES.get(choices)
    if names is None:
        names = {}
        for stored, label in choices.choices:
            names[str(stored).lower()] = str(stored)
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    names.setdefault(str(label).lower(), str(stored))
        _CHOICE_NAMES[choices] = names
    found = names.get(text.lower())
    if found is not None:
        return found
    raise _fail(
        column,
        _("Unknown value %(value)s; one of: %(choices)s.")
        % {"value": text, "choices": ", ".join(str(s) for s in choices.values)},
    )


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


# The file ----------------------------------------------------------------------------------------


def _rows(kind: str, content: bytes, filename: str, result: ImportResult) -> list[tuple[int, dict[str, Any]]]:
    rows = read_rows(content, filename)
    if not rows:
        result.errors.append(RowError(1, "file", _("The file is empty.")))
        return []
    index = header_index(kind, rows[0])
    missing = [name for name in REQUIRED[kind] if name not in index]
    if missing:
        result.errors.append(
            RowError(1, "header", _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        )
        return []
    out: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows[1:], start=2):
        if all(_text(value) == "" for value in row):
            continue
        out.append((number, {key: row[pos] if pos < len(row) else None for key, pos in index.items()}))
    return out


def import_file(
    *,
    by: User,
    kind: str,
    content: bytes,
    filename: str,
    on_duplicate: str = "refuse",
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Check the file's rows and write them (see the module's docstring). `progress(phase, done,
    total)` is told how far the check has come ("checking", every PROGRESS_STEP rows) and when the
    write starts ("writing"; after the new deals are sent, when the rows are checked inside the
    write). When the rows are checked inside the write, it is called while the write's transaction
    (and its COPY) holds the connection: it must save through a connection of its own."""
    permissions.check_import(by)
    if kind not in COLUMNS:
        raise ValidationError({"kind": [_("Choose customers, contacts or opportunities.")]})
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValidationError({"on_duplicate": [_("Choose update or refuse.")]})
    result = ImportResult(kind=kind, dry_run=dry_run, valid_only=valid_only)
    rows = _rows(kind, content, filename, result)
    if result.errors:
        return result
    importer = {"customers": _Customers, "contacts": _Contacts, "opportunities": _Opportunities}[kind](
        by, on_duplicate, result
    )
    report = progress or (lambda phase, done, total: None)
    importer.report = lambda done: report("checking", done, len(rows))

    def writing() -> None:
        report("writing", len(rows), len(rows))

    def in_order() -> ImportResult:
        result.errors.sort(key=lambda e: e.row)
        result.outcomes.sort(key=lambda o: o.row)
        return result

    streamed = not (dry_run or valid_only) and importer.streams()
    if not streamed:
        importer.validate(rows)
        if dry_run or (result.errors and not valid_only) or not result.outcomes:
            return in_order()
        writing()
    try:
        with transaction.atomic(), rescores.rescores_requested():
            if streamed:
                importer.check_and_write(rows, writing)
            else:
                importer.write()
    except _RowsInvalid:  # found while the rows were written: the write is undone
        return in_order()
    except _WriteFailed as exc:  # a rule only the write could check (e.g. a cycle through stored contacts)
        for name, messages in exc.errors.items():
            result.errors.extend(RowError(exc.row, name, m) for m in messages)
        result.created = result.updated = 0
        return in_order()
    in_order()
    if not result.outcomes:
        return result
    result.written = True
    result.created = sum(1 for o in result.outcomes if o.action == "create")
    result.updated = sum(1 for o in result.outcomes if o.action == "update")
    return result


class _RowsInvalid(Exception):
    """A row was found wrong while the rows were being written: nothing of the import is kept."""


class _WriteFailed(Exception):
    def __init__(self, row: int, errors: dict[str, list[str]]) -> None:
        super().__init__(row, errors)
        self.row = row
        self.errors = errors


class _Importer:
    def __init__(self, by: User, on_duplicate: str, result: ImportResult) -> None:
        self.by = by
        self.on_duplicate = on_duplicate
        self.result = result
        self.report: Callable[[int], None] = lambda done: None

    def counted(self, rows: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """The rows, reporting every PROGRESS_STEP of them as checked."""
        for done, row in enumerate(rows):
            if done and done % PROGRESS_STEP == 0:
                self.report(done)
            yield row
        self.report(len(rows))

    def error(self, row: int, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            self.result.errors.extend(RowError(row, name, m) for m in messages)

    def outcome(self, row: int, action: str, label: str) -> None:
        self.result.outcomes.append(RowOutcome(row, action, label))

    def users(self) -> dict[str, User]:
        return {u.username.lower(): u for u in settable_users(self.by)}

    def owner(self, users: dict[str, User], value: Any) -> User | None:
        username = _text(value)
        if not username:
            return None
        user = users.get(username.lower())
        if user is None:
            raise _fail("owner", _("Unknown person, or not one you manage."))
        return user

    def customers_named(self, rows: list[tuple[int, dict[str, Any]]], *columns: str) -> dict[str, Customer]:
        """The customers the importer can see, by lower-case name (the first by id where two share
        one), of those the rows name in `columns`. All the visible customers' names are read, but
        records are made only of those named: a director sees every customer, and making 50,000
        records cost more than a second."""
        named = {_text(cells.get(column)).lower() for _r, cells in rows for column in columns} - {""}
        ids: dict[str, int] = {}
        for pk, name in customers_for(self.by).order_by("id").values_list("id", "name"):
            key = name.lower()
            if key in named:
                ids.setdefault(key, pk)
        records = Customer.objects.in_bulk(list(ids.values()))
        return {key: records[pk] for key, pk in ids.items()}

    def validate(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    def streams(self) -> bool:
        """Whether an import that writes checks its rows inside the write (`check_and_write`)."""
        return False

    def check_and_write(self, rows: list[tuple[int, dict[str, Any]]], writing: Callable[[], None]) -> None:
        raise NotImplementedError


# Customers ---------------------------------------------------------------------------------------


class _Customers(_Importer):
    FIELDS = ("short_name", "industry", "region", "notes", "credit_code")

    def validate(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        existing = self.customers_named(rows, "name", "parent")
        users = self.users()
        in_file: dict[str, int] = {}
        codes_in_file: dict[str, int] = {}
        self.new: list[tuple[int, Customer, str]] = []
        self.changes: list[tuple[int, Customer, dict[str, Any], str]] = []
        for number, cells in self.counted(rows):
            try:
                name = _text(cells.get("name"))
                if not name:
                    raise _fail("name", _("Name is required."))
                if name.lower() in in_file:
                    raise _fail("name", _("Same name as row %(row)s.") % {"row": in_file[name.lower()]})
                values: dict[str, Any] = {f: _text(cells.get(f)) for f in self.FIELDS if f in cells}
                # The code checked like the form's (kam.core.companies), once per file as well.
                code = normalise_credit_code(values.get("credit_code") or "")
                if code and code in codes_in_file:
                    raise _fail(
                        "credit_code",
                        _("Same unified social credit code as row %(row)s.") % {"row": codes_in_file[code]},
                    )
                same_name = existing.get(name.lower())
                holders = Customer.objects.filter(credit_code=code)
                if same_name is not None:
                    holders = holders.exclude(pk=same_name.pk)
                if code and holders.exists():
                    raise _fail(
                        "credit_code", _("A customer with this unified social credit code exists already.")
                    )
                errors: dict[str, list[str]] = {}
                parsers: dict[str, Any] = {
                    "status": lambda v: _choice(v, CustomerStatus, "status", CustomerStatus.PROSPECT),
                    "annual_revenue": lambda v: _decimal(v, "annual_revenue"),
                    "category_purchases": lambda v: _decimal(v, "category_purchases"),
                    "employees": lambda v: _integer(v, "employees"),
                }
                for column, parse in parsers.items():
                    if column in cells:
                        try:
                            values[column] = parse(cells.get(column))
                        except RowInvalid as exc:
                            errors.update(exc.errors)
                owner = None
                try:
                    owner = self.owner(users, cells.get("owner"))
                except RowInvalid as exc:
                    errors.update(exc.errors)
                if errors:
                    raise RowInvalid(errors)
                parent_name = _text(cells.get("parent"))
                if parent_name and parent_name.lower() == name.lower():
                    raise _fail(
                        "parent", _("A customer cannot be inside its own group (that would be a cycle).")
                    )
                if parent_name and parent_name.lower() not in existing and parent_name.lower() not in in_file:
                    raise _fail("parent", _("Unknown customer: %(name)s.") % {"name": parent_name})
                current = existing.get(name.lower())
                if current is not None:
                    if self.on_duplicate == "refuse":
                        raise _fail("name", _("A customer with this name exists already."))
                    changes = {k: v for k, v in values.items() if v not in ("", None)}
                    if owner is not None:
                        changes["owner"] = owner
                    candidate = Customer(
                        **{
                            f: getattr(current, f)
                            for f in customer_services.CUSTOMER_FIELDS
                            if f not in ("parent", "owner")
                        }
                    )
                    for key, value in changes.items():
                        setattr(candidate, key, value)
                    # The record it stands for: its own id and credit code are not another customer's.
                    candidate.pk = current.pk
                    candidate._state.adding = False
                    try:
                        candidate.full_clean(exclude=["parent", "owner"])
                    except ValidationError as exc:
                        raise RowInvalid(_errors_of(exc)) from None
                    self.changes.append((number, current, changes, parent_name))
                    self.outcome(number, "update", name)
                else:
                    values = {k: v for k, v in values.items() if v is not None}
                    customer = Customer(name=name, owner=owner or self.by, **values)
                    try:
                        customer.full_clean(exclude=["parent"])
                    except ValidationError as exc:
                        raise RowInvalid(_errors_of(exc)) from None
                    self.new.append((number, customer, parent_name))
                    self.outcome(number, "create", name)
                in_file[name.lower()] = number
                if code:
                    codes_in_file[code] = number
            except RowInvalid as exc:
                self.error(number, exc.errors)
        self.existing = existing
        failed = {e.row for e in self.result.errors}
        for number, _customer, parent_name in self.new + [(n, c, p) for n, c, _ch, p in self.changes]:
            parent_row = in_file.get(parent_name.lower()) if parent_name else None
            if parent_name and parent_name.lower() not in existing and parent_row is None:
                self.error(number, {"parent": [_("The group's row has errors.")]})
        failed = {e.row for e in self.result.errors}
        self.new = [item for item in self.new if item[0] not in failed]
        self.changes = [item for item in self.changes if item[0] not in failed]
        self.result.outcomes = [o for o in self.result.outcomes if o.row not in failed]

    def write(self) -> None:
        customers = [c for _n, c, _p in self.new]
        for batch in bulk._chunks(customers):
            Customer.objects.bulk_create(batch)
            CustomerChange.objects.bulk_create(
                CustomerChange(customer=c, changed_by=self.by, **both_languages(lambda: _("Created")))
                for c in batch
            )
            bulk.audit_created(batch, self.by)
        by_name = dict(self.existing)
        by_name.update({c.name.lower(): c for c in customers})
        parented = []
        for _n, customer, parent_name in self.new:
            if parent_name:
                customer.parent = by_name[parent_name.lower()]
                parented.append(customer)
        Customer.objects.bulk_update(parented, ["parent"], batch_size=bulk.BATCH)
        rescores.request_rescore([c.pk for c in customers])
        for number, current, changes, parent_name in self.changes:
            if parent_name:
                changes["parent"] = by_name[parent_name.lower()]
            try:
                customer_services.update_customer(current, by=self.by, version=current.version, **changes)
            except ValidationError as exc:
                raise _WriteFailed(number, _errors_of(exc)) from None


# Contacts ----------------------------------------------------------------------------------------


class _Contacts(_Importer):
    FIELDS = ("title", "department", "mobile", "phone", "email", "wechat", "notes")

    def validate(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        customers = self.customers_named(rows, "customer")
        wanted = {
            customers[n].pk for n in {_text(c.get("customer")).lower() for _r, c in rows} if n in customers
        }
        stored: dict[tuple[int, str], Contact] = {}
        for contact in Contact.objects.filter(customer_id__in=wanted).order_by("id"):
            stored.setdefault((contact.customer_id, contact.name.lower()), contact)
        self.stored = stored
        in_file: dict[tuple[int, str], int] = {}
        # row -> (customer, contact (new or stored), changes, manager name, is_new)
        self.plan: dict[int, tuple[Customer, Contact, dict[str, Any], str, bool]] = {}
        for number, cells in self.counted(rows):
            try:
                customer_name = _text(cells.get("customer"))
                customer = customers.get(customer_name.lower())
                if customer is None:
                    raise _fail("customer", _("Unknown customer, or not one you can see."))
                name = _text(cells.get("name"))
                if not name:
                    raise _fail("name", _("Name is required."))
                key = (customer.pk, name.lower())
                if key in in_file:
                    raise _fail("name", _("Same customer and name as row %(row)s.") % {"row": in_file[key]})
                values: dict[str, Any] = {f: _text(cells.get(f)) for f in self.FIELDS if f in cells}
                if "rank" in cells:
                    values["rank"] = _choice(cells.get("rank"), Rank, "rank", Rank.MID)
                if "influence" in cells and _text(cells.get("influence")):
                    values["influence"] = _integer(cells.get("influence"), "influence")
                manager = _text(cells.get("manager"))
                if manager and manager.lower() == name.lower():
                    raise _fail("manager", _("A contact cannot report to themselves."))
                current = stored.get(key)
                if current is not None:
                    if self.on_duplicate == "refuse":
                        raise _fail("name", _("A contact with this name exists at this customer already."))
                    changes = {k: v for k, v in values.items() if v not in ("", None)}
                    candidate = Contact(
                        customer_id=customer.pk,
                        **{
                            f: getattr(current, f)
                            for f in contact_services.CONTACT_FIELDS
                            if f != "reports_to"
                        },
                    )
                    for k, v in changes.items():
                        setattr(candidate, k, v)
                    try:
                        candidate.full_clean(exclude=["customer", "reports_to"], validate_constraints=False)
                    except ValidationError as exc:
                        raise RowInvalid(_errors_of(exc)) from None
                    self.plan[number] = (customer, current, changes, manager, False)
                    self.outcome(number, "update", f"{customer.name} · {name}")
                else:
                    values = {k: v for k, v in values.items() if v is not None}
                    contact = Contact(customer=customer, name=name, **values)
                    try:
                        # Field by field only: the customer is one read above (the user may see
                        # it), names are checked against the file and the stored contacts above,
                        # and the one constraint (influence 1–5) is the field's own validators'.
                        # Checking them again costs two queries a row.
                        contact.full_clean(exclude=["customer", "reports_to"], validate_constraints=False)
                    except ValidationError as exc:
                        raise RowInvalid(_errors_of(exc)) from None
                    self.plan[number] = (customer, contact, {}, manager, True)
                    self.outcome(number, "create", f"{customer.name} · {name}")
                in_file[key] = number
            except RowInvalid as exc:
                self.error(number, exc.errors)
        # Managers: a row of the same customer in the file, else a stored contact of the customer.
        self.manager_row: dict[int, int] = {}
        self.manager_stored: dict[int, Contact] = {}
        for number, (customer, _contact, _changes, manager, _new) in list(self.plan.items()):
            if not manager:
                continue
            key = (customer.pk, manager.lower())
            if key in in_file and in_file[key] in self.plan:
                self.manager_row[number] = in_file[key]
            elif key in in_file:
                self.error(
                    number,
                    {"manager": [_("The manager's row %(row)s has errors.") % {"row": in_file[key]}]},
                )
            elif key in stored:
                self.manager_stored[number] = stored[key]
            else:
                self.error(
                    number,
                    {
                        "manager": [
                            _("No contact %(name)s at this customer, in the file or stored.")
                            % {"name": manager}
                        ]
                    },
                )
        # Cycles among the rows of the file.
        for number in list(self.manager_row):
            seen = {number}
            node = self.manager_row.get(number)
            while node is not None:
                if node in seen:
                    self.error(number, {"manager": [_("The managers in the file form a cycle.")]})
                    break
                seen.add(node)
                node = self.manager_row.get(node)
        self._drop_failed()

    def _drop_failed(self) -> None:
        while True:
            failed = {e.row for e in self.result.errors}
            dropped = False
            for number in list(self.plan):
                if number in failed:
                    del self.plan[number]
                    dropped = True
                elif self.manager_row.get(number) in failed:
                    self.error(
                        number,
                        {
                            "manager": [
                                _("The manager's row %(row)s has errors.") % {"row": self.manager_row[number]}
                            ]
                        },
                    )
                    del self.plan[number]
                    dropped = True
            if not dropped:
                break
        self.result.outcomes = [o for o in self.result.outcomes if o.row in self.plan]

    def write(self) -> None:
        new = [(n, p[1]) for n, p in self.plan.items() if p[4]]
        for batch in bulk._chunks([c for _n, c in new]):
            Contact.objects.bulk_create(batch)
            bulk.audit_created(batch, self.by)

        def manager_of(number: int) -> Contact | None:
            if number in self.manager_row:
                return self.plan[self.manager_row[number]][1]
            return self.manager_stored.get(number)

        placed = []
        for number, contact in new:
            manager = manager_of(number)
            if manager is not None:
                contact.reports_to = manager
                placed.append(contact)
        Contact.objects.bulk_update(placed, ["reports_to"], batch_size=bulk.BATCH)
        for number, (_customer, contact, changes, _manager, is_new) in self.plan.items():
            if is_new:
                continue
            manager = manager_of(number)
            if manager is not None:
                changes["reports_to"] = manager
            if not changes:
                continue
            try:
                contact_services.update_contact(contact, by=self.by, version=contact.version, **changes)
            except ValidationError as exc:
                raise _WriteFailed(number, _errors_of(exc)) from None


# Opportunities -----------------------------------------------------------------------------------


class _ContactsByName:
    """A customer's contacts by (customer id, lower-case name), the first (lowest id) of a name.
    A row names contacts by name and the write needs only their ids: each is made a record
    (with those three fields) when a row first names it, not all of the customers' contacts."""

    FIELDS = ("id", "customer_id", "name")

    def __init__(self, rows: Iterable[tuple[int, int, str]], db: str) -> None:
        self.db = db
        self.rows: dict[tuple[int, str], tuple[int, int, str]] = {}
        for row in rows:
            self.rows.setdefault((row[1], row[2].lower()), row)
        self.made: dict[tuple[int, str], Contact] = {}

    def get(self, key: tuple[int, str]) -> Contact | None:
        contact = self.made.get(key)
        if contact is None and key in self.rows:
            contact = self.made[key] = Contact.from_db(self.db, self.FIELDS, self.rows[key])
        return contact


# The opportunity's fields whose values come from the file's cells.
FROM_FILE = frozenset(
    {
        "name",
        "amount",
        "amount_low",
        "amount_high",
        "sign_date",
        "sign_date_precision",
        "product_line",
        "gross_margin",
        "expense_budget",
        "initiated_at",
        "forecast_category",
    }
)


@dataclass
class _Lookups:
    """What an opportunity import's rows name, read before the first row is checked."""

    customers: dict[str, Customer]
    default: SalesProcess
    processes: dict[str, SalesProcess]
    stages: dict[tuple[int, str], Stage]
    users: dict[str, User]
    contacts: _ContactsByName
    existing: dict[str, Opportunity]


class _Opportunities(_Importer):
    def validate(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        self.new = list(self.checked(rows))

    def checked(self, rows: list[tuple[int, dict[str, Any]]]) -> Iterator[bulk.NewOpportunity]:
        """Check the rows: each new deal's record is yielded as its row is found right, the
        errors and outcomes are recorded on the result, and the updates planned (`changes`).
        What the checks look up is read now, the rows are checked as they are asked for (possibly
        while a COPY holds the connection, when no query can run)."""
        self.changes: list[tuple[int, Opportunity, dict[str, Any]]] = []
        return self._each(rows, self._lookups(rows))

    def _lookups(self, rows: list[tuple[int, dict[str, Any]]]) -> _Lookups:
        """What the rows name, read in a few queries."""
        customers = self.customers_named(rows, "customer")
        stages: dict[tuple[int, str], Stage] = {}
        for item in Stage.objects.order_by("process_id", "order"):
            for label in (item.code, item.name, item.name_en):
                if label:
                    stages.setdefault((item.process_id, label.lower()), item)
        wanted = {
            customers[n].pk for n in {_text(c.get("customer")).lower() for _r, c in rows} if n in customers
        }
        of_customers = Contact.objects.filter(customer_id__in=wanted).order_by("id")
        numbers = {_text(c.get("project_number")) for _r, c in rows} - {""}
        existing = (
            {
                o.project_number: o
                for o in opportunities_for(self.by)
                .filter(project_number__in=numbers)
                .select_related("stage", "customer")
            }
            if numbers
            else {}
        )
        return _Lookups(
            customers=customers,
            default=opportunity_services.default_process(),
            processes={p.code.lower(): p for p in SalesProcess.objects.all()},
            stages=stages,
            users=self.users(),
            contacts=_ContactsByName(of_customers.values_list(*_ContactsByName.FIELDS), of_customers.db),
            existing=existing,
        )

    def _each(self, rows: list[tuple[int, dict[str, Any]]], found: _Lookups) -> Iterator[bulk.NewOpportunity]:
        # The model's own checks run on the values read from the file; the others (keys looked up
        # above, the status, counters and times the write sets) are right by construction.
        not_from_file = {f.name for f in Opportunity._meta.concrete_fields} - FROM_FILE
        seen_numbers: dict[str, int] = {}
        for number, cells in self.counted(rows):
            try:
                project_number = _text(cells.get("project_number"))
                current = None
                if project_number:
                    if project_number in seen_numbers:
                        raise _fail(
                            "project_number",
                            _("Same project number as row %(row)s.") % {"row": seen_numbers[project_number]},
                        )
                    seen_numbers[project_number] = number
                    current = found.existing.get(project_number)
                    if current is None:
                        raise _fail(
                            "project_number",
                            _(
                                "No opportunity you can see has this project number; leave it empty for a new one."
                            ),
                        )
                    if self.on_duplicate == "refuse":
                        raise _fail("project_number", _("This opportunity exists already."))
                customer = found.customers.get(_text(cells.get("customer")).lower())
                if customer is None:
                    raise _fail("customer", _("Unknown customer, or not one you can see."))
                process = found.default
                if _text(cells.get("process")):
                    process = found.processes.get(_text(cells.get("process")).lower())  # type: ignore[assignment]
                    if process is None:
                        raise _fail("process", _("Unknown sales process."))
                stage = found.stages.get((process.pk, _text(cells.get("stage")).lower()))
                if stage is None:
                    raise _fail(
                        "stage",
                        _("Unknown stage of the sales process %(process)s.") % {"process": process.code},
                    )
                owner = self.owner(found.users, cells.get("owner"))
                errors: dict[str, list[str]] = {}
                values: dict[str, Any] = {}
                for money in ("amount", "amount_low", "amount_high", "gross_margin", "expense_budget"):
                    try:
                        values[money] = _decimal(cells.get(money), money)
                    except RowInvalid as exc:
                        errors.update(exc.errors)
                for day in ("sign_date", "initiated_at"):
                    try:
                        values[day] = _date(cells.get(day), day)
                    except RowInvalid as exc:
                        errors.update(exc.errors)
                try:
                    values["sign_date_precision"] = _choice(
                        cells.get("sign_date_precision"),
                        DatePrecision,
                        "sign_date_precision",
                        DatePrecision.DAY,
                    )
                    values["forecast_category"] = _choice(
                        cells.get("forecast_category"), ForecastCategory, "forecast_category", ""
                    )
                except RowInvalid as exc:
                    errors.update(exc.errors)
                values["product_line"] = _text(cells.get("product_line"))
                lead_name = _text(cells.get("customer_lead"))
                lead = None
                if lead_name:
                    lead = found.contacts.get((customer.pk, lead_name.lower()))
                    if lead is None:
                        errors["customer_lead"] = [
                            _("No contact %(name)s at this customer.") % {"name": lead_name}
                        ]
                key_contacts = []
                try:
                    key_contacts = self.key_contacts(customer, found.contacts, cells.get("key_contacts"))
                except RowInvalid as exc:
                    errors.update(exc.errors)
                if errors:
                    raise RowInvalid(errors)
                name = _text(cells.get("name"))
                if current is not None:
                    self.plan_update(number, current, stage, customer, name, owner, lead, values)
                    continue
                try:
                    opportunity_services.validate_four_elements(
                        stage,
                        name=name,
                        amount=values["amount"],
                        amount_low=values["amount_low"],
                        amount_high=values["amount_high"],
                        sign_date=values["sign_date"],
                        sign_date_precision=values["sign_date_precision"],
                    )
                    spec = bulk.NewOpportunity(
                        customer=customer,
                        name=name,
                        owner=owner or self.by,
                        stage=stage,
                        customer_lead=lead,
                        key_contacts=key_contacts,
                        **values,
                    )
                    spec.build("-", dt.datetime.now(tz=dt.UTC)).full_clean(
                        exclude=not_from_file, validate_unique=False, validate_constraints=False
                    )
                except ValidationError as exc:
                    raise RowInvalid(_errors_of(exc)) from None
                self.outcome(number, "create", f"{customer.name} · {name}")
            except RowInvalid as exc:
                self.error(number, exc.errors)
                continue
            yield spec

    def key_contacts(
        self, customer: Customer, contacts: _ContactsByName, value: Any
    ) -> list[tuple[Contact, str, str]]:
        out: list[tuple[Contact, str, str]] = []
        seen = set()
        for part in _text(value).replace("；", ";").split(";"):
            if not part.strip():
                continue
            bits = [b.strip() for b in part.replace("：", ":").split(":")]
            contact = contacts.get((customer.pk, bits[0].lower()))
            if contact is None:
                raise _fail("key_contacts", _("No contact %(name)s at this customer.") % {"name": bits[0]})
            if len(bits) < 2 or not bits[1]:
                raise _fail("key_contacts", _("Give each key contact a decision role: name:role."))
            role = _choice(bits[1], DecisionRole, "key_contacts")
            stance = _choice(bits[2] if len(bits) > 2 else "", Stance, "key_contacts", Stance.NEUTRAL)
            if (contact.pk, role) not in seen:
                seen.add((contact.pk, role))
                out.append((contact, role, stance))
        return out

    def plan_update(
        self,
        number: int,
        current: Opportunity,
        stage: Stage,
        customer: Customer,
        name: str,
        owner: User | None,
        lead: Contact | None,
        values: dict[str, Any],
    ) -> None:
        if stage.pk != current.stage_id:
            raise _fail(
                "stage", _("An import does not move an opportunity to another stage; move it on the board.")
            )
        if customer.pk != current.customer_id:
            raise _fail("customer", _("An import does not move an opportunity to another customer."))
        changes = {k: v for k, v in values.items() if v not in (None, "")}
        if name:
            changes["name"] = name
        if owner is not None:
            changes["owner"] = owner
        if lead is not None:
            changes["customer_lead"] = lead
        # The four elements as they will be (plain fields: no related record is read, the rows
        # may be checked while a COPY holds the connection).
        merged = {
            f: changes[f] if f in changes else getattr(current, f)
            for f in ("name", "amount", "amount_low", "amount_high", "sign_date", "sign_date_precision")
        }
        try:
            opportunity_services.validate_four_elements(
                current.stage,
                name=merged["name"],
                amount=merged["amount"],
                amount_low=merged["amount_low"],
                amount_high=merged["amount_high"],
                sign_date=merged["sign_date"],
                sign_date_precision=merged["sign_date_precision"] or DatePrecision.DAY,
            )
        except ValidationError as exc:
            raise RowInvalid(_errors_of(exc)) from None
        self.changes.append((number, current, changes))
        self.outcome(number, "update", f"{current.project_number} · {merged['name']}")

    def streams(self) -> bool:
        # PostgreSQL inserts the deals sent by COPY while this process checks the next rows (a
        # second of Python against most of a second of the server's, overlapped); SQLite runs in
        # this process, where nothing would overlap.
        return connection.vendor == "postgresql"

    def check_and_write(self, rows: list[tuple[int, dict[str, Any]]], writing: Callable[[], None]) -> None:
        """Check the rows and write them in one pass, inside the caller's transaction: each new
        deal is sent to the database as its row is found right. At the first wrong row nothing
        more is sent, the rest are still checked (every error is reported) and `_RowsInvalid` is
        raised, for the transaction to be rolled back. When every row is right, each row without
        a project number is a new deal: their number is known before the first is checked."""
        new = sum(1 for _number, cells in rows if not _text(cells.get("project_number")))
        checked = self.checked(rows)

        def right() -> Iterator[bulk.NewOpportunity]:
            for spec in checked:
                if self.result.errors:
                    raise _RowsInvalid
                yield spec
            if self.result.errors:
                raise _RowsInvalid

        try:
            bulk.create_opportunities(right(), by=self.by, count=new)
        except _RowsInvalid:
            for _spec in checked:
                pass
            raise
        writing()
        self.update_existing()

    def write(self) -> None:
        bulk.create_opportunities(self.new, by=self.by)
        self.update_existing()

    def update_existing(self) -> None:
        failed = {e.row for e in self.result.errors}
        for number, current, changes in self.changes:
            if number in failed:
                continue
            try:
                opportunity_services.update_opportunity(
                    current, by=self.by, version=current.version, **changes
                )
            except ValidationError as exc:
                raise _WriteFailed(number, _errors_of(exc)) from None
