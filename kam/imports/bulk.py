"""The bulk write paths: the rows the one-row services write, for many records at once.

`create_opportunities` writes what `kam.opportunities.services.create_opportunity` writes (the
opportunity with a project number from the same yearly sequence, its rollup cells, its first stage
change, the owner as deal-team leader, the audit entries, the rescore request), in a few statements
per thousand rows. tests/imports/test_bulk.py proves the rows equal. Callers run it inside one
transaction and `rescores_deferred()`, so each customer is rescored once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import get_field_value, get_fields_in_model, is_primitive
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F
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
from kam.opportunities.signals import score_inputs_changed
from kam.org.models import User
from kam.relationships.models import Contact, Stance

BATCH = 1000


def audit_created(instances: Sequence[models.Model], by: User | None) -> None:
    """The audit entries auditlog writes on `save()` of new records, for records bulk-created."""
    if not instances or audit.disabled() or not auditlog.contains(type(instances[0])):
        return
    content_type = ContentType.objects.get_for_model(type(instances[0]))
    try:
        context = auditlog_value.get() or {}
    except LookupError:
        context = {}
    actor = by if by is not None else context.get("actor")
    cid = get_cid()
    fields = _diff_fields(instances[0])
    as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    now = timezone.now()
    common = {
        "content_type_id": content_type.pk,
        "action": LogEntry.Action.CREATE,
        "actor_id": getattr(actor, "pk", None),
        "actor_email": getattr(actor, "email", None),
        "remote_addr": context.get("remote_addr"),
        "cid": cid,
        "timestamp": now,
    }
    insert_rows(
        LogEntry,
        (
            {
                **common,
                "object_pk": str(instance.pk),
                "object_id": instance.pk,
                "object_repr": smart_str(instance),
                "changes": _created_diff(instance, fields, as_json),
            }
            for instance in instances
        ),
    )


def _adapter(field_: Any) -> Any:
    """A value of the field as the database driver takes it (what the ORM's prep does for the
    values an import holds: text, numbers, dates, datetimes, JSON)."""
    ops = connection.ops
    if isinstance(field_, models.JSONField):
        return lambda v: None if v is None else ops.adapt_json_value(v, field_.encoder)
    if isinstance(field_, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field_, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field_, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field_.max_digits, field_.decimal_places)
    return lambda v: v


def insert_instances(instances: Sequence[models.Model]) -> None:
    """INSERT new records of one model with their ids back (RETURNING), fewer steps than
    `bulk_create`: auto_now fields are set as `save()` sets them, every other value as it stands."""
    if not instances:
        return
    model = type(instances[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    plan = [(f, _adapter(f)) for f in fields]
    ops = connection.ops
    pk = model._meta.pk
    assert pk is not None
    # The columns the database computes come back with the id, as `save()` reads them back.
    returned = [pk] + [f for f in model._meta.concrete_fields if f.generated]
    converters = [
        (f, [*ops.get_db_converters(f.cached_col), *f.get_db_converters(connection)]) for f in returned
    ]
    head = (
        f"INSERT INTO {ops.quote_name(model._meta.db_table)} "
        f"({', '.join(ops.quote_name(str(f.column)) for f in fields)}) VALUES "
    )
    tail = " RETURNING " + ", ".join(ops.quote_name(str(f.column)) for f in returned)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(500, 30000 // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(instances), size):
            batch = instances[start : start + size]
            params: list[Any] = []
            for instance in batch:
                params.extend(adapt(f.pre_save(instance, True)) for f, adapt in plan)
            cursor.execute(head + ", ".join([one] * len(batch)) + tail, params)
            for instance, values in zip(batch, cursor.fetchall(), strict=True):
                for (f, convs), value in zip(converters, values, strict=True):
                    for convert in convs:
                        value = convert(value, f.cached_col, connection)
                    setattr(instance, f.attname, value)
                instance._state.adding = False
                instance._state.db = connection.alias


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
    """Plain INSERTs of rows given as {attname: value} (no primary key back, no signals): for the
    audit entries, many per imported record, where the model layer's per-value work costs most.
    Fields left out take their default; values are adapted per field type as the ORM does."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    ops = connection.ops
    plan = [(f.attname, _adapter(f), f) for f in fields]
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)

    def prepared(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            adapt(row[name]) if name in row else field_.get_db_prep_save(field_.get_default(), connection)
            for name, adapt, field_ in plan
        )

    with connection.cursor() as cursor:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


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
    if not getattr(field_, "concrete", False):
        return lambda obj: get_field_value(obj, field_, as_json)
    name = field_.name

    def read(obj: Any) -> Any:
        value = smart_str(getattr(obj, name))
        return str(value) if type(value).__name__ == "__proxy__" else value

    return read


def _diff_fields(instance: models.Model) -> list[tuple[str, Any, Any]]:
    """The fields auditlog compares for a new record (its own choice of fields, include and
    exclude lists), each with its "before" (the same for every new record) and its reader."""
    as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    model_fields = auditlog.get_model_fields(type(instance))
    assert not model_fields["mask_fields"], "masked fields: use model_instance_diff"
    fields = list(get_fields_in_model(instance))
    if model_fields["include_fields"]:
        fields = [f for f in fields if f.name in model_fields["include_fields"]]
    if model_fields["exclude_fields"]:
        fields = [f for f in fields if f.name not in model_fields["exclude_fields"]]
    return [(f.name, get_field_value(None, f, as_json), _reader(f, as_json)) for f in fields]


def _created_diff(
    instance: models.Model, fields: list[tuple[str, Any, Any]], as_json: bool
) -> dict[str, Any]:
    """What `model_instance_diff(None, instance)` returns, with the field list worked out once."""
    diff = {}
    for name, before, read in fields:
        after = read(instance)
        if after != before:
            if not as_json:
                diff[name] = (smart_str(before), smart_str(after))
            else:
                diff[name] = (
                    before if is_primitive(before) else smart_str(before),
                    after if is_primitive(after) else smart_str(after),
                )
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

    def build(self, project_number: str, now: dt.datetime) -> Opportunity:
        return Opportunity(
            project_number=project_number,
            name=self.name.strip(),
            customer=self.customer,
            owner=self.owner,
            stage=self.stage,
            stage_entered_at=now,
            furthest_stage_order=self.stage.order,
            amount=self.amount,
            amount_low=self.amount_low,
            amount_high=self.amount_high,
            sign_date=period_end(self.sign_date, self.sign_date_precision) if self.sign_date else None,
            sign_date_precision=self.sign_date_precision,
            product_line=self.product_line,
            gross_margin=self.gross_margin,
            expense_budget=self.expense_budget,
            customer_lead=self.customer_lead,
            initiated_at=self.initiated_at,
            forecast_category=self.forecast_category,
        )


def _chunks(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def create_opportunities(specs: Sequence[NewOpportunity], *, by: User) -> list[Opportunity]:
    """Create the opportunities, as `create_opportunity` would one by one. Inside a transaction."""
    if not specs:
        return []
    now = timezone.now()
    numbers = reserve_project_numbers(len(specs), timezone.localtime(now).date())
    created: list[Opportunity] = []
    for batch in _chunks(list(zip(specs, numbers, strict=True))):
        opportunities = [spec.build(number, now) for spec, number in batch]
        insert_instances(opportunities)
        rollups.add_new([o.pk for o in opportunities])
        insert_rows(
            StageChange,
            (
                {
                    "opportunity_id": o.pk,
                    "from_stage_id": None,
                    "to_stage_id": o.stage_id,
                    "changed_by_id": by.pk,
                    "changed_at": now,
                    "note": "",
                }
                for o in opportunities
            ),
        )
        members = [
            OpportunityMember(opportunity=o, user=o.owner, role=MemberRole.LEADER) for o in opportunities
        ]
        insert_instances(members)
        roles = [
            OpportunityContact(
                opportunity=o, contact=contact, decision_role=role, stance=stance or Stance.NEUTRAL
            )
            for (spec, _number), o in zip(batch, opportunities, strict=True)
            for contact, role, stance in spec.key_contacts
        ]
        insert_instances(roles)
        audit_created(opportunities, by)
        audit_created(members, by)
        audit_created(roles, by)
        created.extend(opportunities)
    score_inputs_changed.send(sender=Opportunity, customer_ids=sorted({o.customer_id for o in created}))
    return created
