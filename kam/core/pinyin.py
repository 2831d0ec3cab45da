"""Finding records by pinyin, the way Chinese teams type: 中国移动 by "zhongguoyidong" or by its
initials "zgyd", spaces and case ignored.

A record keeps a search key beside its name (`PinyinKeyField`): for each source text its full
pinyin and its initials, lower case, without spaces or punctuation, separated by spaces, e.g.
"zhongguoyidong zgyd". A search turns the typed text into the same form (`query_key`) and looks for
it inside the key; a query cannot run across two words of the key, as the space sits between them.

The field computes its value in `pre_save()`, so `save()`, `bulk_create()` and
`kam.imports.bulk.insert_instances` keep it; `kam.core.versioning.versioned_update` refreshes it
when a source changes (`refreshed_keys`). On PostgreSQL the column has a trigram index
(`trigram_index`), which serves the inner match (LIKE '%…%') without reading every row.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import models
from django.db.models import Q
from pypinyin import Style, lazy_pinyin

SEARCH_KEY_LENGTH = 500
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")


def _plain(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def pinyin_forms(text: str) -> tuple[str, str]:
    """The full pinyin and the initials of `text` (letters and digits outside Chinese characters
    kept as they are in both): 中国移动 → ("zhongguoyidong", "zgyd")."""
    normal = unicodedata.normalize("NFKC", text or "")
    if not _HAN.search(normal):
        plain = _plain(normal)
        return plain, ""
    full = _plain("".join(lazy_pinyin(normal)))
    initials = _plain("".join(lazy_pinyin(normal, style=Style.FIRST_LETTER)))
    return full, initials


def search_key(*texts: str) -> str:
    """The key of one record: each text's full pinyin and initials, each once."""
    parts: list[str] = []
    for text in texts:
        for form in pinyin_forms(text):
            if form and form not in parts:
                parts.append(form)
    return " ".join(parts)[:SEARCH_KEY_LENGTH]


def query_key(q: str) -> str:
    """The typed text as the key holds it: "Zhong Guo yidong" → "zhongguoyidong", "中国移动" →
    "zhongguoyidong" (so a homophone typed by mistake is still found)."""
    return pinyin_forms(q)[0][:100]


def matches(field: str, q: str) -> Q:
    """A condition on the key `field` (a path such as "customer__search_key") for the text `q`;
    empty (matching nothing extra) when the text has no letters or digits."""
    key = query_key(q)
    if not key:
        return Q(pk__in=[])
    # `contains`, not `icontains`: the key is lower case already, and LIKE on the bare column is
    # what the trigram index serves (icontains wraps the column in UPPER()).
    return Q(**{f"{field}__contains": key})


def text_matches(q: str, key_field: str = "search_key", *text_fields: str) -> Q:
    """Rows whose key holds the pinyin of `q`; for a query with Chinese characters also rows whose
    `text_fields` contain it as typed (a character read differently alone than in the name, 行 in
    银行, is still found). A query of letters and digits reads the key only: the key holds the
    names' letters and digits too, and one indexed column is what keeps the search off a scan."""
    condition = matches(key_field, q)
    text = (q or "").strip()
    if _HAN.search(text):
        for field in text_fields:
            condition |= Q(**{f"{field}__icontains": text})
    return condition


class PinyinKeyField(models.CharField):
    """The search key of the fields `sources`, computed on every insert and save."""

    def __init__(self, *args: Any, sources: tuple[str, ...] = ("name",), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("max_length", SEARCH_KEY_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("max_length", SEARCH_KEY_LENGTH), ("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                del kwargs[key]
        kwargs.pop("editable", None)
        if kwargs.get("db_index") is True:
            del kwargs["db_index"]
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def key_of(self, instance: models.Model) -> str:
        return search_key(*(str(getattr(instance, source) or "") for source in self.sources))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.key_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def refreshed_keys(
    model: type[models.Model], instance: models.Model, changes: dict[str, Any]
) -> dict[str, str]:
    """The search keys of `model` whose sources are among `changes`, recomputed from the instance's
    values overlaid with the changes (for writes by UPDATE, which skip `pre_save()`)."""
    keys: dict[str, str] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, PinyinKeyField) and set(field.sources) & set(changes):
            texts = (
                str(changes[source] if source in changes else getattr(instance, source) or "")
                for source in field.sources
            )
            keys[field.attname] = search_key(*texts)
    return keys


def trigram_index(table: str, column: str = "search_key") -> list[Any]:
    """Migration operations giving `table.column` a trigram index on PostgreSQL (nothing elsewhere:
    SQLite keeps the plain index the field declares)."""
    from django.db import migrations

    name = f"{table}_{column}_trgm"[:63]

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
            )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return [migrations.RunPython(forwards, backwards, elidable=False)]


def backfill(app_label: str, model_name: str, sources: tuple[str, ...], batch: int = 2000) -> Any:
    """A migration step writing every row's key from its sources (rows made before the column)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *sources)[:batch])
            if not rows:
                break
            for row in rows:
                row.search_key = search_key(*(str(getattr(row, s) or "") for s in sources))
            model.objects.bulk_update(rows, ["search_key"], batch_size=500)
            last = rows[-1].pk

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
