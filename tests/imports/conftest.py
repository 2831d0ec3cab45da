"""Shared by the import tests: files made of rows, as .xlsx or .csv."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def read_xlsx(content):
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
