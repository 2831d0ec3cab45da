"""The bulk write paths: the rows the one-row services write, for many records at once.

`create_opportunities` writes what `kam.opportunities.services.create_opportunity` writes (the
opportunity with a project number from the same yearly sequence, its rollup cells, its first stage
change, the owner as deal-team leader, the audit entries, the rescore request), in a few statements
per thousand rows. tests/imports/test_bulk.py proves the rows equal. Callers run it inside one
transaction and `rescores_deferred()`, so each customer is rescored once.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any, cast

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import get_field_value, get_fields_in_model, is_primitive
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F, signals
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.encoding import smart_str

from kam.core import audit
from kam.customers.models import Customer
from kam.opportunities import rollups
from kam.opportunities.models import (
    DatePrecision,
    MemberRole,
    NumberSequence,
    Opportunity,
    OpportunityContact,
    OpportunityMember,
    Stage,
    StageChange,
    period_end,
)
from kam.opportunities.signals import health_inputs_changed, score_inputs_changed
from kam.org.models import User
from kam.relationships.models import Contact, Stance

BATCH = 1000


def audit_created(instances: Sequence[models.Model], by: User | None) -> None:
    """The audit entries auditlog writes on `save()` of new records, for records bulk-created."""
    audit_entries = AuditEntries(by)
    audit_entries.add(instances)
    audit_entries.write()


class AuditEntries:
    """The CREATE entries of new records, gathered (of any audited model) and written at once."""

    NAMES = ("content_type_id", "object_pk", "object_id", "object_repr", "changes")

    def __init__(self, by: User | None) -> None:
        try:
            context = auditlog_value.get() or {}
        except LookupError:
            context = {}
        actor = by if by is not None else context.get("actor")
        self.same = {
            "action": LogEntry.Action.CREATE,
            "actor_id": getattr(actor, "pk", None),
            "actor_email": getattr(actor, "email", None),
            "remote_addr": context.get("remote_addr"),
            "cid": get_cid(),
            "timestamp": timezone.now(),
        }
        self.rows: list[Iterable[tuple[Any, ...]]] = []
        self.as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)

    def add(
        self, instances: Sequence[models.Model], also: Sequence[dict[str, tuple[str, str]]] | None = None
    ) -> None:
        """The instances' entries; `also[i]`, when given, holds more changes of instance i: facts
        of records created with it that get no entry of their own, under its reverse relations
        to them. The entry then leaves out the other reverse relations, whose value auditlog
        writes as the text of an empty related manager (`app.Model.None`, a third of the JSON
        of a deal's entry, saying nothing)."""
        if not instances or audit.disabled() or not auditlog.contains(type(instances[0])):
            return
        content_type = ContentType.objects.get_for_model(type(instances[0])).pk
        fields = _diff_fields(instances[0])
        if also is not None:
            fields = [f for f in fields if f[2].__name__ != "read_manager"]
        as_json = self.as_json
        # The JSON text made once here, sent as it is (not encoded again by the driver's adapter).
        encoder = LogEntry._meta.get_field("changes").encoder
        dumps = _pairs_json if not as_json and encoder is None else (encoder or json.JSONEncoder)().encode
        if also is None:
            diffs: Iterable[dict[str, Any]] = (_created_diff(i, fields, as_json) for i in instances)
        else:
            diffs = (
                {**more, **_created_diff(i, fields, as_json)} for i, more in zip(instances, also, strict=True)
            )
        # Made when written: on PostgreSQL while the COPY sends the rows before them.
        self.rows.append(
            (content_type, str(instance.pk), instance.pk, smart_str(instance), dumps(diff))
            for instance, diff in zip(instances, diffs, strict=True)
        )

    def write(self) -> None:
        insert_rows(LogEntry, self.NAMES, itertools.chain(*self.rows), same=self.same, as_text=("changes",))
        self.rows = []


def _pairs_json(diff: dict[str, tuple[str, str]]) -> str:
    """`json.dumps(diff)` of changes that are pairs of text (auditlog's unless it stores JSON
    values), in half its time."""
    return (
        "{" + ", ".join([f"{_quoted(k)}: [{_quoted(a)}, {_quoted(b)}]" for k, (a, b) in diff.items()]) + "}"
    )


def _adapter(field_: Any) -> Any:
    """A value of the field as the database driver takes it (what the ORM's prep does for the
    values an import holds: text, numbers, dates, datetimes, JSON); None where it is the value."""
    ops = connection.ops
    if isinstance(field_, models.JSONField):
        return lambda v: None if v is None else ops.adapt_json_value(v, field_.encoder)
    if isinstance(field_, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field_, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field_, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field_.max_digits, field_.decimal_places)
    return None


def insert_instances(
    instances: Iterable[models.Model],
    now: dt.datetime | None = None,
    *,
    model: type[models.Model] | None = None,
    count: int | None = None,
) -> list[models.Model]:
    """INSERT new records of one model and give them their ids, fewer steps than `bulk_create`:
    auto_now fields are set as `save()` sets them, to one time for all (`now`, else the time of
    the call), every other value as it stands, and the columns the database generates are read
    back, as `save()` reads them. Returns the records.

    SQLite: multi-row INSERT … RETURNING. PostgreSQL: the ids drawn from the table's sequence in
    one query, the rows sent by COPY (a long multi-row INSERT costs more to compose on the client
    than to run), then the generated columns read back in one query.

    Given `model` and `count`, `instances` may be made while they are sent (PostgreSQL; SQLite
    reads them all first): the server inserts the rows it has while the caller makes the next
    ones, with the COPY's rule that no query runs meanwhile (see `_copy`). There must be exactly
    `count` of them; a caller stops early by raising, which ends the COPY and leaves the
    transaction to be rolled back."""
    records: list[models.Model] = []  # made and sent
    if count is None or connection.vendor != "postgresql":
        records = list(instances)
        instances, count = records, len(records)
    if not count:
        list(instances)  # a stream of none: still run to its end
        return []
    if model is None:
        model = type(records[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    ops = connection.ops
    pk = model._meta.pk
    assert pk is not None
    generated = [f for f in model._meta.concrete_fields if f.generated]
    table = ops.quote_name(model._meta.db_table)

    now = now or timezone.now()
    stamped = [
        f.attname for f in fields if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]

    def reads_only(f: Any) -> bool:
        """Whether the field's pre_save() only reads the value (a datetime's, once stamped above,
        and a date's without auto_now do; another field type's own pre_save() is asked)."""
        if isinstance(f, models.DateTimeField):
            return True
        if isinstance(f, models.DateField):
            return not (f.auto_now or f.auto_now_add)
        return type(f).pre_save is models.Field.pre_save

    plan = [
        (
            f,
            _once_per_value(_adapter(f)) if isinstance(f, models.DateTimeField) else _adapter(f),
            not reads_only(f),
        )
        for f in fields
    ]

    def values_of(instance: models.Model) -> list[Any]:
        values = []
        held = instance.__dict__
        for name in stamped:
            held[name] = now
        for f, adapt, own_pre_save in plan:
            value = f.pre_save(instance, True) if own_pre_save else held[f.attname]
            values.append(value if adapt is None or value is None else adapt(value))
        return values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, count],
            )
            ids = [value for (value,) in cursor.fetchall()]
            records = []

            def rows() -> Iterator[list[Any]]:
                for instance, value in zip(instances, ids, strict=True):
                    setattr(instance, pk.attname, value)
                    records.append(instance)
                    yield [value, *values_of(instance)]

            _copy(cursor, table, [pk, *fields], rows())
            if generated:
                readers = _readers(generated)
                by_pk = {instance.pk: instance for instance in records}
                cursor.execute(
                    f"SELECT {ops.quote_name(str(pk.column))}, "
                    f"{', '.join(ops.quote_name(str(f.column)) for f in generated)} "
                    f"FROM {table} WHERE {ops.quote_name(str(pk.column))} = ANY(%s)",
                    [list(by_pk)],
                )
                for row in cursor.fetchall():
                    _set_read(by_pk[row[0]], readers, row[1:])
        else:
            head = f"INSERT INTO {table} ({', '.join(ops.quote_name(str(f.column)) for f in fields)}) VALUES "
            tail = " RETURNING " + ", ".join(ops.quote_name(str(f.column)) for f in [pk, *generated])
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            size = max(1, min(500, 30000 // len(fields)))
            readers = _readers([pk, *generated])
            for start in range(0, len(records), size):
                batch = records[start : start + size]
                params: list[Any] = []
                for instance in batch:
                    params.extend(values_of(instance))
                cursor.execute(head + ", ".join([one] * len(batch)) + tail, params)
                for instance, row in zip(batch, cursor.fetchall(), strict=True):
                    _set_read(instance, readers, row)
    for instance in records:
        instance._state.adding = False
        instance._state.db = connection.alias
    return records


def _once_per_value(adapt: Any) -> Any:
    """The adapter, reusing its last answer when given the same object again (the times an
    import stamps on every record are one datetime)."""
    last: list[Any] = [None, None]

    def adapted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


def _readers(fields: Sequence[Any]) -> list[tuple[Any, list[Any]]]:
    """The fields with the converters a query applies to their values read back."""
    ops = connection.ops
    return [(f, [*ops.get_db_converters(f.cached_col), *f.get_db_converters(connection)]) for f in fields]


def _set_read(instance: models.Model, readers: list[tuple[Any, list[Any]]], values: Sequence[Any]) -> None:
    for (f, converters), value in zip(readers, values, strict=True):
        for convert in converters:
            value = convert(value, f.cached_col, connection)
        setattr(instance, f.attname, value)


def _copy(cursor: Any, table: str, fields: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows (values adapted) into a PostgreSQL table. The rows may be made as they are sent:
    the server inserts the rows it has while the next ones are made. They must be made from the
    values in hand: while the COPY runs, the connection serves nothing else, and a query made on
    it then (e.g. by a lazily read value) would wait for the COPY to end, forever; such a query
    raises instead."""
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    with (
        connection.execute_wrapper(_no_query_during_copy),
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _no_query_during_copy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """A query through Django while a COPY runs: an error now rather than a wait forever."""
    raise RuntimeError(f"A query while a COPY runs would wait for it forever: {sql[:120]}")


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    same: dict[str, Any] | None = None,
    as_text: Sequence[str] = (),
) -> None:
    """Plain INSERTs (no ids back, no signals) of rows given as tuples of the fields `names`:
    for the history and audit entries, many per imported record, where the model layer's
    per-value work costs most. `same` holds the values every row shares; fields in neither take
    their default. Values are adapted per field type as the ORM does; shared ones once; those of
    the fields `as_text` (JSON made by the caller) are sent as they are.
    PostgreSQL receives the rows by COPY, SQLite by `executemany`."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    same = dict(same or {})
    by_name = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key and not f.generated}
    for name, field_ in by_name.items():
        if name not in names and name not in same:
            same[name] = field_.get_default()
    varying = [(by_name[name], None if name in as_text else _adapter(by_name[name])) for name in names]
    fixed = tuple(
        adapt(same[name]) if (adapt := _adapter(by_name[name])) and same[name] is not None else same[name]
        for name in same
    )
    columns = [by_name[name] for name in names] + [by_name[name] for name in same]
    adapters = [(i, adapt) for i, (_f, adapt) in enumerate(varying) if adapt is not None]

    def prepared(row: Sequence[Any]) -> tuple[Any, ...]:
        if not adapters:
            return (*row, *fixed)
        values = list(row)
        for i, adapt in adapters:
            if values[i] is not None:
                values[i] = adapt(values[i])
        return (*values, *fixed)

    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, (prepared(row) for row in rows))
            return
        prepared_rows = [prepared(row) for row in rows]
        quoted = ", ".join(ops.quote_name(str(f.column)) for f in columns)
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(prepared_rows), BATCH * 10):
            cursor.executemany(sql, prepared_rows[start : start + BATCH * 10])


def _reader(field_: Any, as_json: bool) -> Any:
    """A function reading the field's value of an instance as auditlog's `get_field_value` does,
    with the checks it repeats per call made once (the plain, non-JSON changes kam stores)."""
    if as_json or isinstance(field_, models.JSONField):
        return lambda obj: get_field_value(obj, field_, as_json)
    if isinstance(field_, models.DateTimeField):

        def read_datetime(obj: Any) -> Any:
            value = field_.to_python(getattr(obj, field_.name))
            if value is not None and settings.USE_TZ and not timezone.is_naive(value):
                value = timezone.make_naive(value, timezone=dt.UTC)
            return value

        return read_datetime
    if (
        not getattr(settings, "AUDITLOG_USE_FK_STRING_REPRESENTATION", False)
        and (field_.one_to_one or field_.many_to_one)
        and hasattr(field_, "rel_class")
    ):
        attname = field_.get_attname()
        return lambda obj: smart_str(getattr(obj, attname), strings_only=True)
    if getattr(field_, "one_to_many", False) and not getattr(field_, "concrete", False):
        # A reverse relation reads as its related manager, whose text is the same for every record.
        constant: list[Any] = []

        def read_manager(obj: Any) -> Any:
            if not constant:
                constant.append(get_field_value(obj, field_, as_json))
            return constant[0]

        return read_manager
    if getattr(field_, "one_to_one", False) and not getattr(field_, "concrete", False):
        # A reverse one-to-one: nothing points at a record being created, so it reads as absent,
        # the same for every record. Read it on an unsaved copy, which asks the database nothing
        # (on a stored record it is a query per record).
        absent: list[Any] = []

        def read_absent(obj: Any) -> Any:
            if not absent:
                absent.append(get_field_value(type(obj)(), field_, as_json))
            return absent[0]

        return read_absent
    if not getattr(field_, "concrete", False):
        return lambda obj: get_field_value(obj, field_, as_json)
    name = field_.name

    def read(obj: Any) -> Any:
        value = getattr(obj, name)
        if type(value) is str:
            return value
        value = smart_str(value)
        return str(value) if type(value).__name__ == "__proxy__" else value

    return read


def _diff_fields(instance: models.Model) -> list[tuple[str, Any, Any, Any, Any]]:
    """The fields auditlog compares for a new record (its own choice of fields, include and
    exclude lists), each with its "before" (the same for every new record), its reader, the
    "before" as the entry shows it and how to read it inline, where it can be."""
    as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    model_fields = auditlog.get_model_fields(type(instance))
    assert not model_fields["mask_fields"], "masked fields: use model_instance_diff"
    fields = list(get_fields_in_model(instance))
    if model_fields["include_fields"]:
        fields = [f for f in fields if f.name in model_fields["include_fields"]]
    if model_fields["exclude_fields"]:
        fields = [f for f in fields if f.name not in model_fields["exclude_fields"]]
    out = []
    for f in fields:
        before = get_field_value(None, f, as_json)
        shown = before if as_json and is_primitive(before) else smart_str(before)
        read = _reader(f, as_json)
        # Most fields hold their value in the instance's __dict__: those are read inline.
        if read.__name__ == "read" and f.name == f.attname:
            inline = (_PLAIN, f.attname)
        elif read.__name__ == "<lambda>" and getattr(f, "many_to_one", False) and not as_json:
            inline = (_KEY, f.attname)
        else:
            inline = None
        out.append((f.name, before, read, shown, inline))
    return out


_PLAIN, _KEY = 1, 2
# Values whose text (smart_str) is their str().
_SIMPLE = frozenset({int, float, bool, Decimal, dt.date, type(None)})


def _created_diff(
    instance: models.Model, fields: list[tuple[str, Any, Any, Any, Any]], as_json: bool
) -> dict[str, Any]:
    """What `model_instance_diff(None, instance)` returns, with the field list worked out once."""
    diff = {}
    values = instance.__dict__
    for name, before, read, shown, inline in fields:
        if inline is not None and inline[1] in values:
            after = values[inline[1]]
            if inline[0] == _PLAIN:
                if type(after) is not str:
                    after = str(after) if type(after) in _SIMPLE else read(instance)
            elif type(after) is not int and after is not None:
                after = read(instance)
        else:
            after = read(instance)
        if after != before:
            if type(after) is str:
                diff[name] = (shown, after)
            elif not as_json:
                diff[name] = (shown, str(after) if type(after) in _SIMPLE else smart_str(after))
            else:
                diff[name] = (shown, after if is_primitive(after) else smart_str(after))
    return diff


def reserve_project_numbers(count: int, when: dt.date) -> list[str]:
    """`count` numbers of the yearly sequence `next_project_number` draws from, in one bump."""
    prefix = settings.KAM_PROJECT_NUMBER_PREFIX
    if count <= 0:
        return []
    with transaction.atomic():
        NumberSequence.objects.get_or_create(prefix=prefix, year=when.year)
        NumberSequence.objects.filter(prefix=prefix, year=when.year).update(last=F("last") + count)
        last = NumberSequence.objects.get(prefix=prefix, year=when.year).last
    return [f"{prefix}-{when.year}-{n:04d}" for n in range(last - count + 1, last + 1)]


@dataclass
class NewOpportunity:
    """The arguments of `create_opportunity`, validated, and the key contacts of the deal."""

    customer: Customer
    name: str
    owner: User
    stage: Stage
    amount: Decimal | None = None
    amount_low: Decimal | None = None
    amount_high: Decimal | None = None
    sign_date: dt.date | None = None
    sign_date_precision: str = DatePrecision.DAY
    product_line: str = ""
    gross_margin: Decimal | None = None
    expense_budget: Decimal | None = None
    customer_lead: Contact | None = None
    initiated_at: dt.date | None = None
    forecast_category: str = ""
    key_contacts: list[tuple[Contact, str, str]] = field(default_factory=list)

    # The record validated before the write, filled in and inserted by the write.
    built: Opportunity | None = field(default=None, repr=False, compare=False)

    def build(self, project_number: str, now: dt.datetime) -> Opportunity:
        """The new record (made once, then given its number and time)."""
        if self.built is None:
            self.built = _new_opportunity()(
                self.name.strip(),
                self.customer.pk,
                self.customer.name,
                self.owner.pk,
                self.stage.pk,
                self.stage.order,
                self.amount,
                self.amount_low,
                self.amount_high,
                period_end(self.sign_date, self.sign_date_precision) if self.sign_date else None,
                self.sign_date_precision,
                self.product_line,
                self.gross_margin,
                self.expense_budget,
                self.customer_lead.pk if self.customer_lead else None,
                self.initiated_at,
                self.forecast_category,
            )
        self.built.project_number = project_number
        self.built.stage_entered_at = now
        return self.built


def maker(model: type[models.Model], names: Sequence[str]) -> Any:
    """A function making new records of the model from the values of the fields `names` (by
    attname), the others at their default, as `Model.__init__` leaves them but without its
    per-field work (several times quicker). For plain models: no init signals; a callable default
    (a list, say) is called for each record, so no two records share one."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    assert not (set(names) - {f.attname for f in fields}), "unknown field"
    assert not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))
    called = [
        (f.attname, f.default)
        for f in fields
        if f.attname not in names and f.has_default() and callable(f.default)
    ]
    template = {f.attname: None if f.primary_key else f.get_default() for f in fields}

    def make(*values: Any) -> models.Model:
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(template)
        instance.__dict__.update(zip(names, values, strict=True))
        for name, default in called:
            instance.__dict__[name] = default()
        return instance

    return make


@functools.cache
def _new_opportunity() -> Any:
    return maker(
        Opportunity,
        (
            "name",
            "customer_id",
            "customer_name",
            "owner_id",
            "stage_id",
            "furthest_stage_order",
            "amount",
            "amount_low",
            "amount_high",
            "sign_date",
            "sign_date_precision",
            "product_line",
            "gross_margin",
            "expense_budget",
            "customer_lead_id",
            "initiated_at",
            "forecast_category",
        ),
    )


def _chunks(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def create_opportunities(
    specs: Iterable[NewOpportunity], *, by: User, count: int | None = None
) -> list[Opportunity]:
    """Create the opportunities, as `create_opportunity` would one by one. Inside a transaction.

    Each table is written in as few statements as it takes: the opportunities by multi-row
    INSERT … RETURNING (SQLite) or COPY (PostgreSQL), the rest by COPY or `executemany`.
    Given `count`, `specs` may be checked as they are sent (see `insert_instances`): exactly
    `count` of them, or the caller raises.

    One audit entry per deal: its CREATE entry also holds the deal team's leader and the key
    contacts (under `members` and `contact_roles`, the reverse relations whose value auditlog
    would show as an empty manager), where `create_opportunity` and the decision-chain service
    write an entry per record. Three entries per imported row were half of the import's time."""
    if count is None:
        specs = list(specs)
        count = len(specs)
    now = timezone.now()
    numbers = reserve_project_numbers(count, timezone.localtime(now).date())
    sent: list[NewOpportunity] = []

    def built() -> Iterator[Opportunity]:
        for spec, number in zip(specs, numbers, strict=True):
            sent.append(spec)
            yield spec.build(number, now)

    opportunities = cast(list[Opportunity], insert_instances(built(), now, model=Opportunity, count=count))
    specs = sent
    if not opportunities:
        return []
    # The rollup columns as inserted, from the records in hand rather than read back.
    rollups.apply(
        [],
        (
            {
                "stage__process_id": spec.stage.process_id,
                "stage_id": o.stage_id,
                "status": o.status,
                "owner_id": o.owner_id,
                "sign_date": o.sign_date,
                "forecast_category": o.forecast_category,
                "amount": o.amount,
                "amount_low": o.amount_low,
                "amount_high": o.amount_high,
                "furthest_stage_order": o.furthest_stage_order,
                "stage__probability": spec.stage.probability,
                "stage__forecast_category": spec.stage.forecast_category,
            }
            for spec, o in zip(specs, opportunities, strict=True)
        ),
    )
    insert_rows(
        StageChange,
        ("opportunity_id", "to_stage_id"),
        [(o.pk, o.stage_id) for o in opportunities],
        same={"from_stage_id": None, "changed_by_id": by.pk, "changed_at": now, "note": ""},
    )
    insert_rows(
        OpportunityMember,
        ("opportunity_id", "user_id"),
        [(o.pk, o.owner_id) for o in opportunities],
        same={"role": MemberRole.LEADER, "is_owner": True},
    )
    insert_rows(
        OpportunityContact,
        ("opportunity_id", "contact_id", "decision_role", "stance"),
        [
            (o.pk, contact.pk, role, stance or Stance.NEUTRAL)
            for spec, o in zip(specs, opportunities, strict=True)
            for contact, role, stance in spec.key_contacts
        ],
    )
    entries = AuditEntries(by)
    entries.add(
        opportunities, also=[_team_changes(spec, o) for spec, o in zip(specs, opportunities, strict=True)]
    )
    entries.write()
    score_inputs_changed.send(sender=Opportunity, customer_ids=sorted({o.customer_id for o in opportunities}))
    health_inputs_changed.send(sender=Opportunity, opportunity_ids=[o.pk for o in opportunities])
    return opportunities


# Plain text: an enum member's value is read through a descriptor on every use.
_LEADER, _NEUTRAL = str(MemberRole.LEADER.value), str(Stance.NEUTRAL.value)


def _team_changes(spec: NewOpportunity, opportunity: Opportunity) -> dict[str, tuple[str, str]]:
    """The deal team's leader and the key contacts as a new deal's audit entry shows them: ids as
    auditlog shows a foreign key, then the role (and stance), e.g. `12 (decision_maker, A)`."""
    changes = {"members": ("None", f"{opportunity.owner_id} ({_LEADER})")}
    if spec.key_contacts:
        changes["contact_roles"] = (
            "None",
            "; ".join(
                f"{c.pk} ({role}, {stance or Stance.NEUTRAL})" for c, role, stance in spec.key_contacts
            ),
        )
    return changes
