"""A person's calendar feed: created with a new secret (shown once), revoked by deleting it."""

from __future__ import annotations

import secrets

from django.db import transaction

from kam.activities.models import CalendarFeed
from kam.org.models import User, hash_token


def create_feed(*, by: User) -> str:
    """A new feed for `by`, replacing any earlier one (whose address stops working); returns the
    secret, which is not kept and so cannot be shown again."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=by).delete()
        CalendarFeed.objects.create(user=by, token_hash=hash_token(raw))
    return raw


def revoke_feed(*, by: User) -> bool:
    """Delete `by`'s feed; True if there was one."""
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(user=by).delete()
    return bool(deleted)
