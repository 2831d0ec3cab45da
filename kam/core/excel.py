"""Cells written to the workbooks kam exports."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What a character openpyxl refuses becomes: visible, so the reader sees that something was there.
REPLACEMENT = "\ufffd"


def safe_cell(value: Any) -> Any:
    """Any stored text, as a cell openpyxl writes and a spreadsheet shows as text.

    The control characters XML 1.0 cannot carry (all below U+0020 but tab, line feed and carriage
    return) would make openpyxl refuse the whole workbook, so they become U+FFFD. Text a spreadsheet
    would run as a formula gets a leading apostrophe.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
