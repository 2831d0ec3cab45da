"""What a session has still to do for its second factor, kept in the session itself.

Set at sign-in (receivers), read on every request (middleware) without a query: a session whose
user has a confirmed device is *pending* until the code is entered (then django-otp marks it
verified); the middleware sends it to the verification page until then.
"""

from __future__ import annotations

from django.http import HttpRequest

PENDING_KEY = "kam_mfa_pending"


def mark_pending(request: HttpRequest) -> None:
    request.session[PENDING_KEY] = True


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def is_pending(request: HttpRequest) -> bool:
    return bool(request.session.get(PENDING_KEY))
