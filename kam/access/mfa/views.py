"""A person's own sign-in security: the TOTP device's setup and removal, and the code after the
password. The writes are in services; these pages parse the code and show the outcome."""

from __future__ import annotations

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from kam.access.mfa.forms import CodeForm
from kam.access.mfa.qr import qr_svg
from kam.access.mfa.selectors import confirmed_device
from kam.access.mfa.services import confirm_totp_device, disable_totp, start_totp_setup, verify_code
from kam.access.mfa.session import clear_pending
from kam.access.permissions import must_use_mfa
from kam.core.forms import apply_validation_error
from kam.core.web import current_user


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor authentication: on or off, and the way to change it."""
    user = current_user(request)
    return render(
        request,
        "access/security.html",
        {
            "device": confirmed_device(user),
            "required": must_use_mfa(user),
            "form": CodeForm(),
        },
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """A new secret shown as an otpauth:// URI and its QR code, confirmed with a first code."""
    user = current_user(request)
    if confirmed_device(user) is not None and request.method == "GET":
        return redirect("security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = confirm_totp_device(user, form.cleaned_data["code"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            otp_login(request, device)
            clear_pending(request)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_next_url(request, "security"))
    device = start_totp_setup(user)
    uri = device.config_url
    return render(
        request,
        "access/mfa_setup.html",
        {
            "form": form,
            "uri": uri,
            "qr": qr_svg(uri, _("QR code for your authenticator app")),
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "required": must_use_mfa(user),
            "next": _next_url(request, ""),
        },
    )


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            disable_totp(user, form.cleaned_data["code"])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            clear_pending(request)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("security")
    if form.errors:
        return render(
            request,
            "access/security.html",
            {"device": confirmed_device(user), "required": must_use_mfa(user), "form": form},
            status=422,
        )
    return redirect("security")


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app. Only then is the session verified."""
    user = current_user(request)
    if user.is_verified() or confirmed_device(user) is None:  # type: ignore[attr-defined]
        return redirect(_next_url(request, "home"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = verify_code(user, form.cleaned_data["code"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            otp_login(request, device)
            clear_pending(request)
            return redirect(_next_url(request, "home"))
    return render(request, "access/mfa_verify.html", {"form": form, "next": _next_url(request, "")})
