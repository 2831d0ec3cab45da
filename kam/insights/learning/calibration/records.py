"""The figures of the calibrated forecast: a record of closed calls and slips (per owner, pooled
per team and company), the figure applied to a rep's deals and where it came from, and a row of the
period's stated and calibrated amounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kam.opportunities.models import ForecastCategory

ZERO = Decimal("0.00")
CATEGORIES = (ForecastCategory.COMMIT.value, ForecastCategory.BEST_CASE.value)

# Where a rep's figure came from.
OWN, TEAM, COMPANY, NONE = "own", "team", "company", "none"


@dataclass
class Calls:
    """Closed calls of one category: how many, the amount called, what was won of them."""

    calls: int = 0
    called: Decimal = ZERO
    won_calls: int = 0
    won_called: Decimal = ZERO  # the amount those won calls named
    won: Decimal = ZERO  # the amount they were won at

    def add(self, other: Calls) -> None:
        self.calls += other.calls
        self.called += other.called
        self.won_calls += other.won_calls
        self.won_called += other.won_called
        self.won += other.won

    @property
    def ratio(self) -> Decimal | None:
        """Won ÷ called, by amount."""
        return (self.won / self.called).quantize(Decimal("0.0001")) if self.called else None

    @property
    def amount_change(self) -> Decimal | None:
        """Percent by which the won deals' amounts moved from the amounts called."""
        if not self.won_called:
            return None
        return (Decimal(100) * (self.won - self.won_called) / self.won_called).quantize(Decimal("0.1"))


@dataclass
class Slip:
    """Sign-date slips of the calls made at one stage."""

    samples: int = 0
    days: int = 0  # Σ days
    label: str = ""

    def add(self, other: Slip) -> None:
        self.samples += other.samples
        self.days += other.days
        self.label = min(filter(None, (self.label, other.label)), default="")

    @property
    def average(self) -> int | None:
        return round(self.days / self.samples) if self.samples else None


@dataclass
class History:
    """One owner's (or a team's, or the company's) record."""

    calls: dict[str, Calls] = field(default_factory=lambda: {c: Calls() for c in CATEGORIES})
    slips: dict[int, Slip] = field(default_factory=dict)  # by stage order

    @property
    def calls_made(self) -> int:
        return sum(c.calls for c in self.calls.values()) + sum(s.samples for s in self.slips.values())

    def add(self, other: History) -> None:
        for category in CATEGORIES:
            self.calls[category].add(other.calls[category])
        for order, slip in other.slips.items():
            self.slips.setdefault(order, Slip()).add(slip)


@dataclass
class Used:
    """The figure applied to a rep's deals, and where it came from (own, team, company, none)."""

    source: str
    value: Any
    samples: int


@dataclass
class Row:
    """A rep's or a team's stated and calibrated figures for the period, with the bias in words."""

    key: int | None
    label: str
    kind: str  # rep / team / total
    team_id: int | None = None
    won: Decimal = ZERO
    stated: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    slipped: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    calibrated: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    ratios: dict[str, Used] = field(default_factory=dict)
    slips: dict[int, Used] = field(default_factory=dict)
    history: History = field(default_factory=History)
    bias: list[str] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)

    @property
    def stated_total(self) -> Decimal:
        return self.won + sum(self.stated.values(), ZERO)

    @property
    def calibrated_total(self) -> Decimal:
        return self.won + sum(self.calibrated.values(), ZERO)

    def add(self, other: Row) -> None:
        self.won += other.won
        for category in CATEGORIES:
            self.stated[category] += other.stated[category]
            self.slipped[category] += other.slipped[category]
            self.calibrated[category] += other.calibrated[category]


@dataclass
class Calibration:
    start: dt.date
    end: dt.date
    since: dt.date
    reps: list[Row]
    teams: list[Row]
    total: Row
    labels: dict[int, str] = field(default_factory=dict)  # stage order → code, as the calls named it
