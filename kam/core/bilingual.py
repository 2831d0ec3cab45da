"""Lines of history recorded in every shipped language.

A history line is read by people working in different languages, long after it was written; a line
stored only in the writer's language would show Chinese to an English reader and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation

MAX_SUMMARY = 500


def in_english() -> bool:
    """Whether the reader's language is English: a row named in both languages shows its English
    name then, its Chinese one otherwise."""
    return (translation.get_language() or "").startswith("en")


def both_languages(render: Callable[[], str]) -> dict[str, str]:
    """`render()` (which calls gettext) in zh-Hans and in English, as a history row's two columns
    (`summary`, `summary_en`)."""
    with translation.override("zh-hans"):
        zh = str(render())[:MAX_SUMMARY]
    with translation.override("en"):
        en = str(render())[:MAX_SUMMARY]
    return {"summary": zh, "summary_en": en}
