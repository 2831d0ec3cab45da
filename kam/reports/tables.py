"""A report as the page, the workbook and the JSON all show it: headline figures and sections,
each section a table of typed columns. One shape, so the three outputs cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kam.reports.periods import ReportPeriod
from kam.reports.scope import Scope

# Kinds of a column's values, which decide how the page, the workbook and the JSON write them.
TEXT, INT, MONEY, PERCENT, DATE, DATETIME, DECIMAL = (
    "text",
    "int",
    "money",
    "percent",
    "date",
    "datetime",
    "decimal",
)
KINDS = (TEXT, INT, MONEY, PERCENT, DATE, DATETIME, DECIMAL)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (INT, MONEY, PERCENT, DECIMAL)


@dataclass
class Figure:
    """A headline number of a section (the page shows it above the table)."""

    key: str
    label: str
    value: Any
    kind: str = INT


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    figures: list[Figure] = field(default_factory=list)
    # How many rows there are in all, when only the first ones are listed.
    count: int | None = None
    empty: str = ""
    note: str = ""

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.count is None else self.count

    @property
    def more(self) -> int:
        return max(0, self.row_count - len(self.rows))

    def figure(self, key: str) -> Any:
        return next(f.value for f in self.figures if f.key == key)


@dataclass
class Report:
    kind: str  # weekly / review / sales
    title: str
    period: ReportPeriod
    scope: Scope
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def ratio(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part ÷ whole to four places (a share, shown as a percentage), None when whole is 0."""
    if not whole or part is None:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
