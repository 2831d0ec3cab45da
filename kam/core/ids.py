"""Ids in addresses and query parameters: only values a database row could have.

A number past a 64-bit integer cannot be sent to SQLite or PostgreSQL (the driver fails before the
query runs), so such a value is "no id", never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup

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


class IdIn(Lookup):
    """`column IN (ids)` for a list of ids already read, used as `qs.filter(IdIn(F("pk"), ids))`.

    On PostgreSQL the ids travel as one array parameter (`= ANY(%s)`): a list of a thousand ids as
    a thousand parameters cost ~7 ms a statement to prepare, send and bind (Django's `__in` lookup
    prepares each value on its own), against ~0.5 ms as one array. Elsewhere, the usual IN list.
    The values are made integers first, so the array's text holds nothing but digits and commas."""

    lookup_name = "id_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(pk) for pk in self.rhs]
        if connection.vendor == "postgresql":
            # Sent as the array's text ('{1,2,3}'): half the time of the driver's list adapter.
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, "{" + ",".join(map(str, ids)) + "}"]
        if not ids:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]
