"""Lines of a customer's history, recorded in every shipped language (`kam.core.bilingual`, where the
apps below customers find it too: a contact's deletion is a line of its customer's history)."""

from __future__ import annotations

from kam.core.bilingual import MAX_SUMMARY, both_languages

__all__ = ["MAX_SUMMARY", "both_languages"]
