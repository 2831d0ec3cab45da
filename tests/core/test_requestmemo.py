"""kam.core.requestmemo: a read-only request works a fact out once; nothing else keeps it."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory

from kam.core.requestmemo import RequestMemoMiddleware, remembered


def _counting_view(calls: list[str]):
    def view(request):
        first = remembered(("fact", 1), lambda: calls.append("computed") or len(calls))
        second = remembered(("fact", 1), lambda: calls.append("computed") or len(calls))
        other = remembered(("fact", 2), lambda: calls.append("other") or -1)
        return HttpResponse(f"{first} {second} {other}")

    return view


def test_a_get_request_works_a_fact_out_once_per_key():
    calls: list[str] = []
    middleware = RequestMemoMiddleware(_counting_view(calls))
    response = middleware(RequestFactory().get("/"))
    assert response.content == b"1 1 -1" and calls == ["computed", "other"]
    # The next request starts afresh.
    middleware(RequestFactory().get("/"))
    assert calls == ["computed", "other", "computed", "other"]


def test_a_request_that_may_write_and_code_outside_requests_keep_nothing():
    calls: list[str] = []
    middleware = RequestMemoMiddleware(_counting_view(calls))
    assert middleware(RequestFactory().post("/")).content == b"1 2 -1"
    assert calls == ["computed", "computed", "other"]
    assert remembered("outside", lambda: calls.append("outside") or 1) == 1
    assert remembered("outside", lambda: calls.append("outside") or 2) == 2
