"""The zh-Hans catalogue is complete and its compiled .mo (committed, for machines without gettext) matches."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "kam" / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = None
    for raw in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, key = {}, None
        elif line.startswith("#,"):
            current["flags"] = line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)  # type: ignore[index]
        else:
            key, _space, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return [e for e in entries if e.get("msgid")]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    with (LOCALE / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in po_entries():
        if "msgid_plural" in entry:
            continue
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        assert catalog.gettext(msgid) == entry["msgstr"], (
            f"django.mo is stale for {entry['msgid']!r}: run make messages"
        )


def test_domain_words_use_the_glossary_terms():
    with translation.override("zh-hans"):
        assert translation.gettext("Decision maker") == "拍板人"
        assert translation.gettext("Technical approver") == "技术审批"
        assert translation.pgettext("customer status", "Lost") == "流失"
        assert translation.gettext("Pipeline table") == "销售项目统计一览表"


def test_a_word_with_two_meanings_has_a_translation_for_each():
    from kam.customers.models import Attention
    from kam.relationships.models import Rank

    with translation.override("zh-hans"):
        # How much a customer cares about price is high/low, a contact's rank is senior/junior.
        assert [str(a.label) for a in Attention] == ["高", "中", "低"]
        assert str(Rank.HIGH.label) == "高层"
        # The opportunities tab names a state; the weekly review's column a date.
        assert translation.gettext("Closed") == "已结项"
        assert translation.gettext("Closed on") == "结项日期"
