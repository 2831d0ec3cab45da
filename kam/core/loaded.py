"""Records read as plain rows and made into model instances without `Model.__init__`.

A page of fifty deals, each with its customer, owner and stage, is two hundred instances; built by
the ORM (`select_related(...).only(...)`), `Model.__init__` walks every field of each one and
costs more than reading the rows. `records` makes them from the same columns read with
`values_list(*lookups(...))` (through the fields' converters, so every value is what the ORM
would have set), filling each instance's `__dict__` directly. What it gives behaves as the ORM's: not `adding`, on the database read,
the related records in the foreign keys' caches, the fields not read deferred (the first access
loads one, as after `.only()`), and `save()` writes only the fields read.

For plain models only: no `pre_init` / `post_init` receivers, which this would skip.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db.models import ForeignKey, Model, signals
from django.db.models.base import ModelState


@functools.cache
def _maker(model: type[Model], names: tuple[str, ...]) -> Callable[[Sequence[Any], str], Model]:
    attnames = {f.attname for f in model._meta.concrete_fields}
    unknown = set(names) - attnames
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        raise ValueError(f"{model.__name__} has init signal receivers: load it through the ORM")

    def make(values: Sequence[Any], db: str) -> Model:
        instance = model.__new__(model)
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        instance.__dict__.update(zip(names, values, strict=True))
        return instance

    return make


def _foreign_key(model: type[Model], name: str) -> ForeignKey:
    field = model._meta.get_field(name)
    if not isinstance(field, ForeignKey):
        raise ValueError(f"{model.__name__}.{name} is not a foreign key")
    return field


def lookups(model: type[Model], fields: Sequence[str], related: Mapping[str, Sequence[str]]) -> list[str]:
    """What `values_list` reads for `records`: the fields, then each related record's fields."""
    _maker(model, tuple(fields))  # refuses an unknown field or a model with init receivers
    for name in related:
        attname = _foreign_key(model, name).attname
        if attname not in fields:
            raise ValueError(f"load {attname} to load {name}")
    return [*fields, *(f"{name}__{n}" for name, names in related.items() for n in names)]


def records(
    model: type[Model],
    rows: Iterable[Sequence[Any]],
    fields: Sequence[str],
    related: Mapping[str, Sequence[str]] | None = None,
    db: str = "default",
) -> list[Any]:
    """Instances of `model` from rows read by `values_list(*lookups(model, fields, related))`, in
    their order, with the fields `fields` (attnames) and, for each forward foreign key named in
    `related`, its record with the fields listed there (besides its primary key): what
    `select_related(*related).only(...)` gives. A null key leaves None in the cache."""
    related = related or {}
    fields = tuple(fields)
    parts = []
    for name, names in related.items():
        field = _foreign_key(model, name)
        target = field.related_model
        parts.append((name, field.attname, _maker(target, (target._meta.pk.attname, *names)), len(names)))
    make = _maker(model, fields)
    width = len(fields)
    made = []
    for row in rows:
        record = make(row[:width], db)
        cache = record._state.fields_cache
        at = width
        for name, attname, make_related, size in parts:
            key = record.__dict__[attname]
            cache[name] = None if key is None else make_related((key, *row[at : at + size]), db)
            at += size
        made.append(record)
    return made
