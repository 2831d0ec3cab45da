"""Writes: setting up, confirming and removing a person's TOTP device. Each checks a code first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kam.access.mfa.selectors import confirmed_device, pending_device
from kam.access.permissions import must_use_mfa
from kam.org.models import User


def _refuse_code(device: TOTPDevice) -> ValidationError:
    allowed, data = device.verify_is_allowed()
    if not allowed and data and data.get("locked_until"):
        return ValidationError(
            {"code": [_("Too many wrong codes: wait a little, then enter the current code.")]}
        )
    return ValidationError({"code": [_("This code is not right. Enter the current code from your app.")]})


def start_totp_setup(user: User) -> TOTPDevice:
    """The device being set up, created with a new secret if there is none. A second visit shows the
    same secret, so a code from an app that scanned it still confirms."""
    with transaction.atomic():
        device = pending_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def confirm_totp_device(user: User, code: str) -> TOTPDevice:
    """Confirm the device being set up with its first code; it replaces any earlier device."""
    device = pending_device(user)
    if device is None:
        raise ValidationError({"code": [_("Start the setup again: there is no device being set up.")]})
    # Checked outside the transaction: a wrong code's throttling must be kept, not rolled back.
    if not device.verify_token(code):
        raise _refuse_code(device)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def verify_code(user: User, code: str) -> TOTPDevice:
    """The code after the password: the confirmed device it matches, or a refusal."""
    device = confirmed_device(user)
    if device is None:
        raise ValidationError({"code": [_("You have no two-factor device.")]})
    if not device.verify_token(code):
        raise _refuse_code(device)
    return device


def disable_totp(user: User, code: str) -> None:
    """Turn two-factor authentication off, with a current code. Not for those who must use it."""
    if must_use_mfa(user):
        raise PermissionDenied(_("Two-factor authentication is required for your role: it stays on."))
    verify_code(user, code)
    TOTPDevice.objects.filter(user=user).delete()
