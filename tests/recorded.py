"""Rows a fixture makes through the services, made once per test process and written back for
every later test that asks for the same fixture in a few bulk statements.

`world` builds two teams, their people, customers and deals through the factories and services
(59 rows in 13 tables: audit entries, rollups, stored health flags, customer scores): a quarter
of a second or more, asked for by most of the suite's tests, on each database. The first test in a
process that asks for it builds it for real; the rows that build added or changed (every table,
whatever the services wrote) are kept, with the Python objects the fixture returned. A later test
whose database is in the same state before the fixture (every table's row count and highest id the
same) gets those rows written back (about 10 ms) and a deep copy of the objects, as Django's
`setUpTestData` hands each test its own copy. Anything else (other rows made first, other settings,
another language, another day) builds for real. A fixture that only edits existing rows before
asking for a recorded one is not told apart: make such rows, or ask for the recorded fixture first.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import LazyObject

# A SELECT of many UNION ALL terms: SQLite allows 500 by default.
TERMS = 200


INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


@dataclass
class _Schema:
    # Every model's table that exists (many-to-many tables too): its primary key column...
    tables: dict[str, str]
    # ... the columns a row is written with (not the generated ones, which the database computes)...
    columns: dict[str, list[str]]
    # ... and the tables whose key is a number.
    integer: set[str]


_schema: _Schema | None = None


def _schema_now() -> _Schema:
    global _schema
    if _schema is None:
        existing = set(connection.introspection.table_names(include_views=False))
        tables, columns, integer = {}, {}, set()
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if not meta.managed or meta.proxy or meta.db_table not in existing:
                continue
            tables[meta.db_table] = meta.pk.column
            columns[meta.db_table] = [
                f.column for f in meta.local_concrete_fields if not getattr(f, "generated", False)
            ]
            if meta.pk.get_internal_type() in INTEGER_KEYS:
                integer.add(meta.db_table)
        _schema = _Schema(dict(sorted(tables.items())), columns, integer)
    return _schema


def fingerprint() -> tuple[tuple[str, int, Any], ...]:
    """Each table's row count and highest id (one statement per TERMS tables)."""
    schema = _schema_now()
    quote = connection.ops.quote_name
    terms = [
        f"SELECT '{table}', COUNT(*), {f'MAX({quote(pk)})' if table in schema.integer else '0'} "
        f"FROM {quote(table)}"
        for table, pk in schema.tables.items()
    ]
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(terms), TERMS):
            cursor.execute(" UNION ALL ".join(terms[start : start + TERMS]))
            found.extend((str(t), int(n), m) for t, n, m in cursor.fetchall())
    return tuple(sorted(found))


def _rows(table: str) -> tuple[list[str], dict[Any, tuple[Any, ...]]]:
    """A table's written columns and its rows by primary key."""
    quote = connection.ops.quote_name
    schema = _schema_now()
    columns = schema.columns[table]
    at = columns.index(schema.tables[table])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")
        return columns, {row[at]: tuple(row) for row in cursor.fetchall()}


def _dump() -> dict[str, tuple[list[str], dict[Any, tuple[Any, ...]]]]:
    return {table: _rows(table) for table in _schema_now().tables}


@dataclass
class _Table:
    columns: list[str]
    # The ids of rows the build changed or deleted: deleted before the rows are written back.
    removed: list[Any] = field(default_factory=list)
    # The rows the build added or changed, as stored (SQLite; on PostgreSQL until `_copy_out`
    # keeps them as COPY text).
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    copy_text: bytes = b""
    highest: int | None = None


@dataclass
class Recording:
    tables: dict[str, _Table]
    objects: Any
    # Puts the per-process caches as the build left them (after a write-back).
    caches: Callable[[], None]


def _differences(before: dict, after: dict) -> dict[str, _Table]:
    changed = {}
    for table, (columns, rows) in after.items():
        old = before[table][1]
        added = [pk for pk, row in rows.items() if old.get(pk) != row]
        gone = [pk for pk in old if pk not in rows]
        if not added and not gone:
            continue
        entry = _Table(columns)
        entry.removed = [pk for pk in added if pk in old] + gone
        entry.rows = [rows[pk] for pk in added]
        if table in _schema_now().integer and rows:
            entry.highest = max(rows)
        changed[table] = entry
    return changed


def _copy_out(tables: dict[str, _Table]) -> None:
    """PostgreSQL: the rows as COPY text, which reads back exactly (JSON, arrays, time zones)."""
    quote = connection.ops.quote_name
    schema = _schema_now()
    with connection.cursor() as cursor:
        for table, entry in tables.items():
            if not entry.rows:
                continue
            pk = schema.tables[table]
            at = entry.columns.index(pk)
            ids = [row[at] for row in entry.rows]
            chunks = []
            with cursor.cursor.copy(
                f"COPY (SELECT {', '.join(map(quote, entry.columns))} FROM {quote(table)} "
                f"WHERE {quote(pk)} = ANY(%s)) TO STDOUT",
                [ids],
            ) as out:
                for chunk in out:
                    chunks.append(bytes(chunk))
            entry.copy_text = b"".join(chunks)
            entry.rows = []


def _write_back(tables: dict[str, _Table]) -> None:
    quote = connection.ops.quote_name
    schema = _schema_now()
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for table, entry in tables.items():
            pk = quote(schema.tables[table])
            if entry.removed:
                marks = ", ".join(["%s"] * len(entry.removed))
                cursor.execute(f"DELETE FROM {quote(table)} WHERE {pk} IN ({marks})", entry.removed)
        for table, entry in tables.items():
            if postgresql and entry.copy_text:
                names = ", ".join(map(quote, entry.columns))
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as into:
                    into.write(entry.copy_text)
            elif entry.rows:
                marks = ", ".join(["%s"] * len(entry.columns))
                names = ", ".join(map(quote, entry.columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", entry.rows)
        if postgresql:
            # Explicit ids leave the sequences behind: move each past them, never back.
            bumps = [
                f"setval(pg_get_serial_sequence('{quote(table)}', '{schema.tables[table]}'), "
                f"GREATEST({entry.highest}, nextval(pg_get_serial_sequence('{quote(table)}', "
                f"'{schema.tables[table]}'))))"
                for table, entry in tables.items()
                if entry.highest is not None and entry.copy_text
            ]
            if bumps:
                cursor.execute("SELECT " + ", ".join(bumps))


def _shown(value: Any) -> str:
    # A lazy setting reads the same before and after its first use.
    return str(value) if isinstance(value, LazyObject) else repr(value)


def _conditions() -> str:
    """What else a build depends on: the settings, the language, the day, the database."""
    values = repr(sorted((name, _shown(getattr(settings, name))) for name in dir(settings) if name.isupper()))
    return hashlib.sha256(
        "|".join(
            [
                values,
                str(translation.get_language()),
                timezone.localdate().isoformat(),
                connection.vendor,
                connection.settings_dict["NAME"],
            ]
        ).encode()
    ).hexdigest()


def _caches_now() -> Callable[[], None]:
    """What puts the caches a build fills (the relationship settings row, the choice lists) as they
    are now: after a recorded build is written back, the next query counts are the same."""
    from kam.customers.models import Industry, Region
    from kam.customers.models.choices import _cache
    from kam.relationships.models import RelationshipPolicy, _policy_cache

    policy = getattr(_policy_cache, "policy", None) is not None
    lists = [model for model in (Industry, Region) if model.__name__ in _cache]

    def restore() -> None:
        RelationshipPolicy.forget()
        if policy:
            RelationshipPolicy.current()
        _cache.clear()
        for model in lists:
            model.by_spelling()

    return restore


_recordings: dict[tuple[str, str, Any], Recording] = {}


def recorded(
    name: str,
    build: Callable[[], Any],
    *,
    into: Any = None,
) -> Any:
    """`build()`'s objects, built for real or written back from an earlier identical build.

    After a write-back the per-process caches are put as the build left them. A fixture
    that adds to another's object (`into`, e.g. `world`, which `build` extends and returns) gets
    that object back, its attributes replaced by the recorded ones, so both fixtures still hand
    the test one object."""
    key = (name, _conditions(), fingerprint())
    recording = _recordings.get(key)
    if recording is not None:
        _write_back(recording.tables)
        recording.caches()
        objects = copy.deepcopy(recording.objects)
        if into is None:
            return objects
        into.__dict__.update(objects.__dict__)
        return into
    before = _dump()
    objects = build()
    kept = copy.deepcopy(objects)
    tables = _differences(before, _dump())
    if connection.vendor == "postgresql":
        _copy_out(tables)
    _recordings[key] = Recording(tables, kept, _caches_now())
    return objects
