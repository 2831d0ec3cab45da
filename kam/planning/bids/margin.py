"""The margin of a bid against the company's minimum: margin = (price − cost) / price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BELOW = "below"
AT = "at"
ABOVE = "above"
UNKNOWN = "unknown"

_PERCENT = Decimal("0.01")


def margin_percent(price: Decimal | None, cost: Decimal) -> Decimal | None:
    """The margin in percent, to two places; none without a price above zero."""
    if price is None or price <= 0:
        return None
    return ((price - cost) * 100 / price).quantize(_PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MarginCheck:
    cost: Decimal
    price: Decimal | None
    margin: Decimal | None
    minimum: Decimal
    status: str  # below / at / above the minimum, or unknown without a price

    @property
    def below_minimum(self) -> bool:
        return self.status == BELOW


def check(price: Decimal | None, cost: Decimal, minimum: Decimal) -> MarginCheck:
    margin = margin_percent(price, cost)
    if margin is None:
        status = UNKNOWN
    elif margin < minimum:
        status = BELOW
    elif margin == minimum:
        status = AT
    else:
        status = ABOVE
    return MarginCheck(cost=cost, price=price, margin=margin, minimum=minimum, status=status)
