"""Records read as plain rows and made into model instances without `Model.__init__`.

A page of fifty deals, each with its customer, owner and stage, is two hundred instances; built by
the ORM (`select_related(...).only(...)`), `Model.__init__` walks every field of each one and
costs more than reading the rows. `load` reads the same columns with `values_list` (through the
fields' converters, so every value is what the ORM would have set) and fills each instance's
`__dict__` directly. What it gives behaves as the ORM's: not `adding`, on the database read,
the related records in the foreign keys' caches, the fields not read deferred (the first access
loads one, as after `.only()`), and `save()` writes only the fields read.

For plain models only: no `pre_init` / `post_init` receivers, which this would skip.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import Model, QuerySet, signals
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


def load(
    queryset: QuerySet, fields: Sequence[str], related: Mapping[str, Sequence[str]] | None = None
) -> list[Any]:
    """The queryset's records with the fields `fields` (attnames) and, for each forward foreign key
    named in `related`, its record with the fields listed there (besides its primary key), in the
    queryset's order: what `select_related(*related).only(...)` gives. Each key in `related` needs
    its attname (`customer_id`) in `fields`; a null key leaves None in the cache."""
    model = queryset.model
    related = related or {}
    fields = tuple(fields)
    lookups = list(fields)
    parts = []
    for name, names in related.items():
        field = model._meta.get_field(name)
        if field.attname not in fields:
            raise ValueError(f"load {field.attname} to load {name}")
        target = field.related_model
        names = tuple(names)
        lookups.extend(f"{name}__{n}" for n in names)
        parts.append((name, field.attname, _maker(target, (target._meta.pk.attname, *names)), len(names)))
    make = _maker(model, fields)
    db = queryset.db
    width = len(fields)
    records = []
    for row in queryset.values_list(*lookups):
        record = make(row[:width], db)
        cache = record._state.fields_cache
        at = width
        for name, attname, make_related, size in parts:
            key = record.__dict__[attname]
            cache[name] = None if key is None else make_related((key, *row[at : at + size]), db)
            at += size
        records.append(record)
    return records
