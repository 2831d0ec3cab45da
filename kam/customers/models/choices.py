"""Choice data a customer is described by, named in both shipped languages: industries and regions.

`Customer.industry` and `Customer.region` keep holding text (every reader — imports, exports,
scoring, analysis, the API — reads them as before): the Chinese `name` of a row here. The page shows
the row's name in the reader's language (`label_of`); a value no row names is shown as it is."""

from __future__ import annotations

import time
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english

# Per kind, the rows by every spelling that names them (Chinese, English, "中文 / English"), read
# once per process and dropped whenever a row is saved or deleted here, or after CACHE_SECONDS (an
# edit in another server process).
_cache: dict[str, tuple[float, dict[str, ChoiceRow]]] = {}
CACHE_SECONDS = 300


class ChoiceRow(models.Model):
    """A row named in both shipped languages (like kam.customers.models.customer.BilingualName,
    which the customer module builds on: this module sits below it)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _cache.clear()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _cache.clear()
        return super().delete(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name

    @classmethod
    def by_spelling(cls) -> dict[str, ChoiceRow]:
        held = _cache.get(cls.__name__)
        if held is not None and time.monotonic() - held[0] < CACHE_SECONDS:
            return held[1]
        rows: dict[str, ChoiceRow] = {}
        for row in cls.objects.all():  # type: ignore[attr-defined]
            for spelling in (
                row.name,
                row.name_en,
                f"{row.name} / {row.name_en}",
                f"{row.name} {row.name_en}",
            ):
                rows.setdefault(spelling.strip().casefold(), row)
        _cache[cls.__name__] = (time.monotonic(), rows)
        return rows

    @classmethod
    def find(cls, value: str) -> ChoiceRow | None:
        text = (value or "").strip()
        return cls.by_spelling().get(text.casefold()) if text else None

    @classmethod
    def stored(cls, value: str) -> str:
        """The value as a customer stores it: a row's Chinese name when any spelling of the row is
        given ("Manufacturing" → "制造业"), else the text as typed."""
        row = cls.find(value)
        return row.name if row else (value or "").strip()

    @classmethod
    def label_of(cls, value: str) -> str:
        """A stored value in the reader's language."""
        row = cls.find(value)
        return row.display_name if row else (value or "")

    @classmethod
    def offered(cls, current: str = "") -> list[tuple[str, str]]:
        """(stored value, label) of the active rows, and the current value when no row offers it."""
        rows = list(cls.objects.filter(is_active=True))  # type: ignore[attr-defined]
        choices = [(r.name, r.display_name) for r in rows]
        value = cls.stored(current)
        if value and value not in {c[0] for c in choices}:
            choices.append((value, cls.label_of(value)))
        return choices


class Industry(ChoiceRow):
    class Meta(ChoiceRow.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class Region(ChoiceRow):
    class Meta(ChoiceRow.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
