"""API authentication: personal bearer tokens (stored hashed) and the browser session.

Failed tokens are throttled per address: after `KAM_TOKEN_FAILURES_PER_ADDRESS` wrong tokens within
`KAM_LOGIN_LOCKOUT_MINUTES`, every bearer request from that address is answered 429 until the window
ends (counted in the database, so all workers agree). Tokens are not asked for a second factor: one
is issued only from a signed-in session, which has passed the second factor when the user has one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext
from ninja.security import HttpBearer, SessionAuth

from kam.core.errors import TooManyAttempts
from kam.org.lockout import client_address
from kam.org.models import ApiToken, TokenFailure, hash_token
from kam.org.services import record_token_failure


def token_window() -> timedelta:
    return timedelta(minutes=settings.KAM_LOGIN_LOCKOUT_MINUTES)


LAST_USED_PRECISION = timedelta(minutes=1)


def check_token_attempts(ip_address: str) -> None:
    """Refuse an address that sent too many wrong tokens in the current window."""
    window = token_window()
    row = (
        TokenFailure.objects.filter(ip_address=ip_address, window_started_at__gte=timezone.now() - window)
        .only("failures", "window_started_at")
        .first()
    )
    if row is None or row.failures < settings.KAM_TOKEN_FAILURES_PER_ADDRESS:
        return
    retry_after = max(1, int((row.window_started_at + window - timezone.now()).total_seconds()) + 1)
    minutes = max(1, -(-retry_after // 60))
    raise TooManyAttempts(
        ngettext(
            "Too many wrong API tokens from this address. Try again in %(minutes)s minute.",
            "Too many wrong API tokens from this address. Try again in %(minutes)s minutes.",
            minutes,
        )
        % {"minutes": minutes},
        retry_after=retry_after,
    )


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        ip_address = client_address(request)
        if ip_address:
            check_token_attempts(ip_address)
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            if ip_address:
                record_token_failure(ip_address, token_window())
            return None
        now = timezone.now()
        # "Last used" to the minute: a write on every request would serialise an integration's
        # reads behind the database's write lock (and move the page cache's change marker).
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class SessionAuthCSRF(SessionAuth):
    """Session auth for the browser; unsafe methods still need the CSRF token."""

    csrf = True
