"""Shared by the target tests: a spreadsheet made of rows, and the columns an upload reads."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["username", "team", "period_start", "period_end", "amount"]
