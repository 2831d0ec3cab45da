"""Writes for the organisation: API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kam.org.models import ApiToken, User, hash_token


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw value is returned once and never stored."""
    raw = ApiToken.generate_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[4:12], token_hash=hash_token(raw))
    return token, raw


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
