"""Recomputes gathered during a bulk write and run once at its end.

A write asks for the records it touched to be recomputed (a customer's score, a deal's health
flags). One write at a time, that happens at once; a bulk write (the demo, an import) would ask
thousands of times for the same few records. Inside `deferred()` the requests are gathered
instead, and the block runs them once on leaving: every id once, or one full run when any
request asked for everything. Nested blocks join the outermost one; an error inside drops what
was gathered, as the caller's transaction is rolled back anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Pending:
    ids: set[int] = field(default_factory=set)
    everyone: bool = False


class DeferredRecomputes:
    def __init__(
        self, name: str, *, recompute: Callable[[list[int]], Any], recompute_all: Callable[[], Any]
    ) -> None:
        self._pending: ContextVar[_Pending | None] = ContextVar(name, default=None)
        self._recompute = recompute
        self._recompute_all = recompute_all

    def gather(self, ids: Iterable[int] | None) -> bool:
        """Inside `deferred()`: keep these ids (None: everything) for the end of the block and say
        True; outside it, False (the caller recomputes as usual)."""
        pending = self._pending.get()
        if pending is None:
            return False
        if ids is None:
            pending.everyone = True
        else:
            pending.ids.update(ids)
        return True

    @contextmanager
    def deferred(self, then: Callable[[list[int] | None], Any] | None = None) -> Iterator[None]:
        """`then`: what to do with what was gathered (the ids, or None for everything) instead of
        recomputing it here."""
        if self._pending.get() is not None:
            yield
            return
        pending = _Pending()
        token = self._pending.set(pending)
        try:
            yield
        finally:
            self._pending.reset(token)
        if then is not None:
            if pending.everyone or pending.ids:
                then(None if pending.everyone else sorted(pending.ids))
        elif pending.everyone:
            self._recompute_all()
        elif pending.ids:
            self._recompute(sorted(pending.ids))
