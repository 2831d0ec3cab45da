"""Facts a read-only request works out once and uses several times.

A pipeline page asks "which deals is this rep on the team of, owned by someone else?" for its
totals and again for its rows (and the workbench three times): the answer cannot change while a
GET request runs, so it is kept for that request alone. Requests that may write (POST and the
rest) keep nothing, so a write is never followed by a stale answer; outside a request (tasks,
commands, tests calling selectors) nothing is kept either.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("kam_request_memo", default=None)
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per read-only request for the same key."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    result: T = memo[key]
    return result


class RequestMemoMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in READ_ONLY_METHODS:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
