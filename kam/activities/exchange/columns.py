"""The columns of the activity workbook (import template and export alike): the key the header
holds, and what it means in the reader's language (a header may use either, in English or Chinese)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

MEANINGS: dict[str, Any] = {
    "customer": _("customer"),
    "kind": _("kind"),
    "status": _("status"),
    "start": _("start"),
    "duration_minutes": _("duration (minutes)"),
    "opportunity": _("opportunity (project number)"),
    "contacts": _("contacts (names; …)"),
    "our_people": _("our people (usernames; …)"),
    "summary": _("summary"),
    "outcome": _("outcome"),
    "next_step": _("next step"),
    "next_step_due": _("next step due"),
}
COLUMNS = tuple(MEANINGS)
REQUIRED = ("customer", "kind", "start", "summary")
# The export adds who led each activity (an import makes the uploader the owner).
EXPORT_COLUMNS = (*COLUMNS, "owner")


def column_label(key: str) -> str:
    """A column as the file writes it, with its meaning in the reader's language."""
    meaning = MEANINGS.get(key)
    if key == "owner":
        return f"owner ({_('owner')})"
    return f"{key} ({meaning})" if meaning is not None else key


def header_index(header: list[Any]) -> dict[str, int]:
    """Where each column is: by its key, its label, or its meaning in English or Chinese."""
    names: dict[str, str] = {}
    for key in COLUMNS:
        names[key] = key
        for language in ("en", "zh-hans"):
            with translation.override(language):
                meaning = str(MEANINGS[key]).lower()
                names[column_label(key).lower()] = key
            names[meaning] = key
            # The meaning without its note in brackets (half- or full-width): "时长" for "时长（分钟）".
            names[meaning.split(" (")[0].split("（")[0]] = key
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        found = names.get(text) or names.get(text.replace(" ", "_"))
        if found and found not in index:
            index[found] = position
    return index
