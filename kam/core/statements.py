"""Reads by a list of ids, compiled once per process.

A page of fifty deals reads, besides the page's ids, the deals' rows, their decision chains and
their stored flags: three statements whose SQL is the same on every request but for the ids.
Building and compiling such a queryset (joins, a subquery, a dozen columns) costs the ORM about
as long as the database takes to run it, 1–1.6 ms each. `id_rows` compiles the queryset once for
each number of ids, with stand-in ids, notes where they went among the parameters, and from then
on runs that SQL with the ids asked for, through the same converters as the ORM (so a JSON, a
decimal or a date comes back as `values_list` gives it).

`value_rows` does the same for a statement whose SQL depends on a few integers besides its
shape (a user's id and teams, a filter's stage or months): the caller names the shape in the key
and hands the integers over, each placed once among the parameters, in whatever order the SQL
puts them.

A statement whose stand-ins cannot all be found among its parameters, once each, is not kept: it
runs through the ORM every time, with the same rows as a result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesListIterable

# Far below any id a row gets (ids count up from 1), so no real parameter is taken for one.
_STAND_IN = -(2**62)
# Counts of ids kept per statement: a page asks for up to a few hundred.
MAX_KEPT_COUNT = 1000
# Statements kept in all (each caller's, per database and count of ids): a bound on the memory.
MAX_KEPT = 2000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    positions: tuple[int, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


_kept: dict[tuple[Hashable, ...], _Compiled | None] = {}
_lock = threading.Lock()
_MISSING = _Compiled("", (), (), ())


def _compile(queryset: QuerySet, alias: str, stand_ins: list[int]) -> _Compiled | None:
    if queryset._iterable_class is not ValuesListIterable:
        raise ValueError("id_rows reads a values_list() queryset (tuples, not flat)")
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    wanted = set(stand_ins)
    found: dict[int, int] = {}
    for i, p in enumerate(params):
        # An int, or a typed one (PostgreSQL's backend passes an IntegerField's value as Int4).
        if isinstance(p, int) and not isinstance(p, bool) and p in wanted:
            if p in found:
                return None  # one value in two places: which one to replace is not known
            found[p] = i
    if len(found) != len(stand_ins):
        return None
    positions = tuple(found[stand_in] for stand_in in stand_ins)
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = tuple(
        (i, tuple(functions), expression)
        for i, (functions, expression) in compiler.get_converters(fields).items()
    )
    return _Compiled(sql, tuple(params), positions, converters)


def read_alias(model: type[Model]) -> str:
    """The database `id_rows` reads `model` from (the router's choice, as the ORM's)."""
    return router.db_for_read(model) or "default"


def id_rows(
    key: Hashable, model: type[Model], build: Callable[[list[int]], QuerySet], ids: Sequence[int]
) -> list[tuple[Any, ...]]:
    """The rows of `build(ids)`, a `values_list()` queryset of `model` whose SQL depends on nothing
    but the ids (not on the language, the clock or the user): `key` names it, one per caller."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    return _rows(key, model, build, ids)


def value_rows(
    key: Hashable, model: type[Model], build: Callable[[list[int]], QuerySet], values: Sequence[int]
) -> list[tuple[Any, ...]]:
    """The rows of `build(values)`, a `values_list()` queryset of `model` whose SQL depends on
    nothing but the integers `values` and what `key` names: which filters it has, any text among
    its parameters. Each value must be used once; a value used twice is two entries of `values`
    (the same integer twice is fine)."""
    return _rows(key, model, build, list(values))


def fixed_rows(key: Hashable, model: type[Model], build: Callable[[], QuerySet]) -> list[tuple[Any, ...]]:
    """The rows of `build()`, a `values_list()` queryset of `model` whose SQL never changes (a
    table of settings an administrator edits, say): compiled once, read on every call."""
    return _rows(key, model, lambda _ids: build(), [])


def _rows(
    key: Hashable, model: type[Model], build: Callable[[list[int]], QuerySet], ids: list[int]
) -> list[tuple[Any, ...]]:
    alias = read_alias(model)
    connection = connections[alias]
    cache_key = (key, alias, connection.vendor, len(ids))
    compiled = _kept.get(cache_key, _MISSING)
    if compiled is _MISSING:
        if len(ids) > MAX_KEPT_COUNT or len(_kept) >= MAX_KEPT:
            return list(build(ids).using(alias))
        stand_ins = [_STAND_IN - i for i in range(len(ids))]
        compiled = _compile(build(stand_ins), alias, stand_ins)
        with _lock:
            _kept[cache_key] = compiled
    if compiled is None:
        return list(build(ids).using(alias))
    params = list(compiled.params)
    for position, value in zip(compiled.positions, ids, strict=True):
        params[position] = _placed(params[position], value)
    return _run(connection, compiled, compiled.sql, params)


def _placed(stand_in: int, value: int) -> int:
    """`value` as the stand-in was passed: a plain int, or the same typed int (Int4 …)."""
    kind = type(stand_in)
    return value if kind is int else kind(value)


def _run(connection: Any, compiled: _Compiled, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` and convert its rows as the ORM would the compiled statement's."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not compiled.converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for position, functions, expression in compiled.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        converted.append(tuple(values))
    return converted


def union_rows(
    model: type[Model], build: Callable[[int], QuerySet], values: Sequence[int]
) -> list[tuple[Any, ...]]:
    """The rows of `build(v)` for each of `values`, read in one statement (UNION ALL), where
    `build(v)` is a `values_list()` queryset (ordered and sliced as it likes) in which `v` is one
    parameter: the board's columns, the first cards of each stage.

    The ORM compiles a union part by part, as long as a part takes to run on PostgreSQL; the parts
    differ only in that value, so one is compiled and repeated. A database that cannot order and
    slice inside a compound statement (SQLite), or a part whose value is not found once among its
    parameters, reads each part through the ORM (one statement each)."""
    if not values:
        return []
    alias = read_alias(model)
    connection = connections[alias]
    if len(values) > 1 and connection.features.supports_slicing_ordering_in_compound:
        compiled = _compile(build(_STAND_IN), alias, [_STAND_IN])
        if compiled is not None:
            (position,) = compiled.positions
            params: list[Any] = []
            for value in values:
                part = list(compiled.params)
                part[position] = _placed(part[position], value)
                params += part
            sql = " UNION ALL ".join([f"({compiled.sql})"] * len(values))
            return _run(connection, compiled, sql, params)
    return [row for value in values for row in build(value).using(alias)]
