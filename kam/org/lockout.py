"""Sign-in lockout (django-axes): too many failed passwords lock the user name, or the address.

Two limits, both counted over the last `KAM_LOGIN_LOCKOUT_MINUTES` (axes' `AXES_COOLOFF_TIME`):
a user name is locked after `KAM_LOGIN_FAILURES_PER_USER` failures from anywhere, an address after
`KAM_LOGIN_FAILURES_PER_ADDRESS` failures whatever user names it tried. Axes compares one number
with one limit, so `LockoutHandler` reports how close the nearer of the two limits is, measured on
the user-name scale (see `get_failures`). The lockout is answered with the login page and its message
(`lockout_response`), never a bare error page. An administrator unlocks in the admin (Axes → access
attempts: delete the rows) or with `kam axes_reset_username <name>` / `kam axes_reset_ip <address>`.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from: REMOTE_ADDR, or behind `KAM_PROXY_COUNT` trusted proxies
    (each appending to X-Forwarded-For) the address the outermost of them saw. Entries a client
    wrote itself sit further left and are never read."""
    proxies = settings.KAM_PROXY_COUNT
    if proxies > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in chain if part]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per user name and another per address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures counted against `AXES_FAILURE_LIMIT` (the per-user-name limit): the user
        name's own, or the address's shifted by the difference of the two limits, whichever is
        nearer its limit. So the comparison axes makes (failures >= limit) holds exactly when the
        user name has reached its limit or the address has reached its own."""
        per_user = settings.KAM_LOGIN_FAILURES_PER_USER
        per_address = settings.KAM_LOGIN_FAILURES_PER_ADDRESS
        username_attempts, address_attempts = self.get_user_attempts(request, credentials)
        by_username = username_attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        by_address = address_attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        return max(by_username, by_address - (per_address - per_user))


def lockout_minutes() -> int:
    return settings.KAM_LOGIN_LOCKOUT_MINUTES


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed sign-in attempts: this account or this address is locked for %(minutes)s "
        "minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed sign-in attempts: this account or this address is locked for %(minutes)s "
        "minutes. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, with the lockout message instead of the form's error (429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "lockout_message": lockout_message(),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
