"""Holds a signed-in session at the second factor until it is done.

A session whose user has a confirmed device reaches only the verification page (and logout, the
language switch) until the code is entered. With KAM_REQUIRE_MFA on, an administrator or director
without a device reaches only the setup page until it is confirmed. For the API such a session is
no session at all (401); bearer tokens are not held: one is issued only from a verified session.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from kam.access.mfa.session import is_pending
from kam.access.permissions import must_use_mfa
from kam.core.web import current_user

# What a held session may still reach.
OPEN_WHILE_PENDING = {"mfa_verify", "login", "logout", "set_language"}
OPEN_WHILE_SETTING_UP = {"mfa_setup", "login", "logout", "set_language"}


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _send_to(request: HttpRequest, name: str) -> HttpResponse:
    url = reverse(name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        held = self._held_at(request)
        if held is not None:
            if request.path_info.startswith("/api/"):
                request.user = AnonymousUser()
            elif _url_name(request) not in (
                OPEN_WHILE_PENDING if held == "mfa_verify" else OPEN_WHILE_SETTING_UP
            ):
                return _send_to(request, held)
        return self.get_response(request)

    @staticmethod
    def _held_at(request: HttpRequest) -> str | None:
        """The page a signed-in session is held at, or None when it may go anywhere."""
        if not request.user.is_authenticated:
            return None
        user = current_user(request)
        if user.is_verified():  # type: ignore[attr-defined]  # installed by django-otp's middleware
            return None
        if is_pending(request):
            return "mfa_verify"
        if must_use_mfa(user):
            return "mfa_setup"
        return None
