"""Reads: a person's TOTP devices."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from kam.org.models import User


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice | None:
    """The device being set up: created, not yet confirmed with a first code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
