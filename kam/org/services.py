"""Writes for the organisation: API tokens, and the count of failed token attempts."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kam.core.money_unit import UNITS
from kam.org.models import ApiToken, TokenFailure, User, hash_token


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw value is returned once and never stored."""
    raw = ApiToken.generate_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[4:12], token_hash=hash_token(raw))
    return token, raw


def set_money_unit(user: User, unit: str) -> None:
    """The unit amounts show in for this person: yuan, wan, or blank for the language's default."""
    if unit and unit not in UNITS:
        raise ValueError(f"unknown money unit {unit!r}")
    user.money_unit = unit
    user.save(update_fields=["money_unit"])


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def record_token_failure(ip_address: str, window: timedelta) -> None:
    """Count one failed token attempt from an address. A window opens at the first failure and
    lasts `window`; a failure after it opens a new one. Windows long past are deleted on the way."""
    now = timezone.now()
    with transaction.atomic():
        TokenFailure.objects.filter(window_started_at__lt=now - window).exclude(
            ip_address=ip_address
        ).delete()
        row, created = TokenFailure.objects.select_for_update().get_or_create(
            ip_address=ip_address, defaults={"failures": 1, "window_started_at": now}
        )
        if created:
            return
        if row.window_started_at < now - window:
            TokenFailure.objects.filter(pk=row.pk).update(failures=1, window_started_at=now)
        else:
            TokenFailure.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
