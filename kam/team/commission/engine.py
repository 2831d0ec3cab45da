"""The arithmetic of a statement, with no database: credits filled into progressive bands in date
order (each part of the base at its own band's rate, never the top rate on the whole), then the
star multiplier, then the cap and the floor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Edge:
    """A band: from `lower` (an amount) up to the next band's lower edge, at `rate` percent."""

    lower: Decimal
    rate: Decimal
    label: str


@dataclass
class Credit:
    """One deal's or payment's base credited to the person: `source_amount` × `share` %."""

    key: str
    kind: str
    dated: dt.date
    label: str
    source_amount: Decimal
    share: Decimal
    customer: str = ""
    layer: str = ""
    # None: no layer matches, so the credit earns nothing and fills no band.
    factor: Decimal | None = Decimal("1")
    opportunity_id: int | None = None
    payment_id: int | None = None

    @property
    def credited(self) -> Decimal:
        return cents(self.source_amount * self.share / HUNDRED)


@dataclass
class Line:
    credit: Credit
    band: str
    portion: Decimal
    rate: Decimal
    amount: Decimal
    band_index: int | None

    @property
    def key(self) -> str:
        return f"{self.credit.key}:b{'-' if self.band_index is None else self.band_index}"


@dataclass
class Result:
    lines: list[Line] = field(default_factory=list)
    base_total: Decimal = Decimal("0")
    commission: Decimal = Decimal("0")
    multiplier: Decimal = Decimal("1")
    multiplied: Decimal = Decimal("0")
    limit_applied: str = ""
    total: Decimal = Decimal("0")


def fill_bands(credits: list[Credit], edges: list[Edge], *, no_layer: str = "—") -> list[Line]:
    """Each credit, oldest first, takes the base from where the previous left off; the part of it in
    each band is one line at that band's rate (times the layer's factor)."""
    edges = sorted(edges, key=lambda e: e.lower)
    lines: list[Line] = []
    filled = Decimal("0")
    for credit in sorted(credits, key=lambda c: (c.dated, c.key)):
        remaining = credit.credited
        if credit.factor is None or not edges or remaining <= 0:
            lines.append(Line(credit, no_layer, remaining, Decimal("0"), Decimal("0"), None))
            continue
        while remaining > 0:
            index = (
                max(i for i, e in enumerate(edges) if e.lower <= filled) if filled >= edges[0].lower else 0
            )
            upper = edges[index + 1].lower if index + 1 < len(edges) else None
            portion = remaining if upper is None else min(remaining, upper - filled)
            rate = edges[index].rate * credit.factor
            lines.append(
                Line(credit, edges[index].label, portion, rate, cents(portion * rate / HUNDRED), index)
            )
            filled += portion
            remaining -= portion
    return lines


def settle(
    lines: list[Line],
    *,
    multiplier: Decimal = Decimal("1"),
    cap: Decimal | None = None,
    floor: Decimal | None = None,
) -> Result:
    commission = sum((line.amount for line in lines), Decimal("0"))
    multiplied = cents(commission * multiplier)
    total, applied = multiplied, ""
    if cap is not None and total > cap:
        total, applied = cap, "cap"
    if floor is not None and total < floor:
        total, applied = floor, "floor"
    base = sum((line.portion for line in lines if line.band_index is not None), Decimal("0"))
    return Result(lines, base, commission, multiplier, multiplied, applied, total)
