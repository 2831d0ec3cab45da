"""Sign-in: a user with a confirmed device has a pending session until they enter a code. Every
sign-in goes through here (the login page, the admin's, a test's force_login)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from kam.access.mfa.selectors import confirmed_device
from kam.access.mfa.session import clear_pending, mark_pending


@receiver(user_logged_in, dispatch_uid="kam.access.mfa.pending_on_login")
def second_factor_pending(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if confirmed_device(user) is not None:
        mark_pending(request)
    else:
        clear_pending(request)
