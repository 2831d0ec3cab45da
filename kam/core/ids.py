"""Ids in addresses and query parameters: only values a database row could have.

A number past a 64-bit integer cannot be sent to SQLite or PostgreSQL (the driver fails before the
query runs), so such a value is "no id", never a 500.
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """The id a query parameter names, or None for anything that could not be a row's id."""
    text = str(value if value is not None else "").strip()
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not text.isdecimal() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_page(value: Any, *, limit: int = 1_000_000) -> int:
    """A page number from the address: 1 for anything unusable, at most `limit`."""
    number = parse_id(value)
    return min(number, limit) if number else 1


class IdConverter:
    """`<id:pk>` in URL patterns: 1 to 18 digits (below 2**63), so a longer number is a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(value)
