"""Answers kept while the database has not changed: the busiest reads served without rendering again.

A rep opens the pipeline many times a day and an integration polls the API list; between two of
those requests nothing may have changed. `PageCacheMiddleware` keeps the rendered answer of the
views named in `KAM_PAGE_CACHE_VIEWS` and serves it again only when all of these are the same:
- the database's own change marker (`database_generation`): on PostgreSQL the current snapshot
  (it moves with every write, by anyone, in any database of the server: a busy neighbour only
  costs hits, never correctness); on SQLite the file's `data_version` (moves
  with every commit by another connection) and this connection's `total_changes()` (its own).
  No write path has to remember to invalidate anything, and no write, however it was made (a
  service, a bulk import, the admin, SQL by hand), leaves a stale answer behind;
- the person: the session and its CSRF cookie (the page embeds a token made from it) or the API
  token, and the user;
- the request: path and query, language, the htmx headers (a fragment or the whole page), and
  the day (pages count days since a date);
- and at most `KAM_PAGE_CACHE_SECONDS` old (0 turns the cache off).

Only complete 200 answers to GET that set no cookie are kept, and none while messages wait to be
shown. The store is Django's cache (per process by default: each worker fills its own).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# The htmx request headers that change what a view renders (a fragment, a history restore …).
VARYING_HEADERS = (
    "HTTP_HX_REQUEST",
    "HTTP_HX_BOOSTED",
    "HTTP_HX_HISTORY_RESTORE_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_ACCEPT",
)
# Answer headers worth keeping with the body; the middlewares above add the rest again.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "ETag", "Cache-Control")
STATUS_HEADER = "X-Kam-Page-Cache"

_epochs = itertools.count(1)


@receiver(connection_created)
def _stamp_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    # SQLite's markers count from the moment a connection opens: a new connection starts a new era.
    connection.kam_epoch = next(_epochs)


def database_generation() -> str | None:
    """A text that changes whenever the database has committed a change; None when unknown
    (inside a transaction, whose own changes no marker shows, or on another database)."""
    if connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_current_snapshot()::text")
            return f"pg:{cursor.fetchone()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT data_version, total_changes() FROM pragma_data_version")
            version, changes = cursor.fetchone()
            return f"sqlite:{getattr(connection, 'kam_epoch', 0)}:{version}:{changes}"
    return None


def _credentials(request: HttpRequest) -> str | None:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "token:" + authorization
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or not session.session_key:
        return None
    if "_messages" in session:
        return None  # messages wait to be shown once: render them
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not csrf:
        return None
    return f"session:{session.session_key}:{csrf}:{user.pk}"


def request_key(request: HttpRequest) -> str | None:
    """What the answer depends on besides the data; None when this request is not to be cached."""
    if request.method != "GET":
        return None
    credentials = _credentials(request)
    if credentials is None:
        return None
    parts = [
        credentials,
        request.get_full_path(),
        getattr(request, "LANGUAGE_CODE", ""),
        timezone.localdate().isoformat(),
        *(request.META.get(name, "") for name in VARYING_HEADERS),
    ]
    return "\x1f".join(parts)


def _cache_key(request_part: str, generation: str) -> str:
    digest = hashlib.sha256(f"{request_part}\x1e{generation}".encode()).hexdigest()
    return f"kam:page:{digest}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page's CSRF token was made from the secret the browser already holds (Django marks
        # the cookie for a refresh on every use; a new secret would differ from the cookie).
        and request.META.get("CSRF_COOKIE", "") == request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
        and not response.has_header("Set-Cookie")
    )


class PageCacheMiddleware:
    """Serves the views of KAM_PAGE_CACHE_VIEWS from the cache while nothing changed (module doc).
    Sits after authentication, the second factor and messages, so every check they make on a
    request still runs; only the view itself is skipped."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.views = frozenset(getattr(settings, "KAM_PAGE_CACHE_VIEWS", ()))
        self.seconds = int(getattr(settings, "KAM_PAGE_CACHE_SECONDS", 0))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_kam_page_cache_key", None)
        if key is not None and _storable(request, response):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, headers), self.seconds)
            response[STATUS_HEADER] = "miss"
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not self.seconds or not self.views:
            return None
        match = request.resolver_match
        if match is None or match.view_name not in self.views:
            return None
        request_part = request_key(request)
        if request_part is None:
            return None
        generation = database_generation()
        if generation is None:
            return None
        key = _cache_key(request_part, generation)
        stored = cache.get(key)
        if stored is None:
            request._kam_page_cache_key = key  # type: ignore[attr-defined]
            return None
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        response[STATUS_HEADER] = "hit"
        return response
