"""Cells written to the workbooks kam exports."""

from __future__ import annotations

from typing import Any


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\x00"):
        return "'" + value
    return value
