"""Document numbers of the delivery app (contracts HT-2026-0001, service requests FW-2026-00001).

The pattern is a `str.format` template with `{year}` and `{seq}` (settings
KAM_CONTRACT_NUMBER_PATTERN, KAM_SERVICE_NUMBER_PATTERN). The yearly counter is the opportunities'
`NumberSequence` row keyed by the pattern's leading text, bumped with one UPDATE so two writers at
once never draw the same number."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kam.opportunities.models import NumberSequence

CONTRACT_PATTERN = "HT-{year}-{seq:04d}"
SERVICE_PATTERN = "FW-{year}-{seq:05d}"
_PREFIX_LENGTH = 20  # NumberSequence.prefix


def contract_pattern() -> str:
    return getattr(settings, "KAM_CONTRACT_NUMBER_PATTERN", CONTRACT_PATTERN)


def service_pattern() -> str:
    return getattr(settings, "KAM_SERVICE_NUMBER_PATTERN", SERVICE_PATTERN)


def sequence_key(pattern: str) -> str:
    """The counter's key: the text before the first placeholder ("HT" for "HT-{year}-{seq:04d}"),
    so a change of the sequence's width keeps counting. A pattern that starts with a placeholder
    gets a short hash of itself."""
    head = pattern.split("{", 1)[0].strip(" -_/.")
    if not head:
        head = "#" + hashlib.sha1(pattern.encode()).hexdigest()[:8]
    return head[:_PREFIX_LENGTH]


def next_number(pattern: str, when: dt.date | None = None) -> str:
    """The next number of `pattern` for the year of `when` (today by default)."""
    when = when or timezone.localdate()
    key = sequence_key(pattern)
    with transaction.atomic():
        NumberSequence.objects.get_or_create(prefix=key, year=when.year)
        # The UPDATE takes the row's lock: a second writer waits here and reads its own value.
        NumberSequence.objects.filter(prefix=key, year=when.year).update(last=F("last") + 1)
        last = NumberSequence.objects.get(prefix=key, year=when.year).last
    return pattern.format(year=when.year, seq=last)
