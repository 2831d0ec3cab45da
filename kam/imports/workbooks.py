"""The templates people download, fill and upload: one per kind, as .xlsx or .csv.

The header row holds the column keys the import reads; the example rows name the downloader and
one example customer, so the three templates, uploaded unchanged in order (customers, contacts,
opportunities), import."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from kam.core.excel import safe_cell
from kam.imports.columns import COLUMNS
from kam.opportunities.services import default_process
from kam.org.models import User


def example_rows(kind: str, user: User) -> list[dict[str, Any]]:
    customer = _("Example Steel")
    if kind == "customers":
        return [
            {
                "name": customer,
                "short_name": "",
                "owner": user.username,
                "industry": _("Steel"),
                "region": _("East"),
                "status": "active",
                "annual_revenue": 50000000,
                "employees": 1200,
            },
        ]
    if kind == "contacts":
        return [
            {
                "customer": customer,
                "name": _("Li Ming"),
                "title": _("General manager"),
                "rank": "high",
                "influence": 5,
            },
            {
                "customer": customer,
                "name": _("Wang Fang"),
                "title": _("Purchasing manager"),
                "manager": _("Li Ming"),
                "rank": "mid",
                "influence": 3,
                "email": "wang.fang@example.com",
            },
        ]
    stage = default_process().stages.order_by("order").first()
    return [
        {
            "customer": customer,
            "name": _("Furnace upgrade"),
            "stage": stage.code if stage else "",
            "owner": user.username,
            "amount": 1200000,
            "sign_date": "2027-03-31",
            "sign_date_precision": "day",
            "customer_lead": _("Li Ming"),
            "key_contacts": _("Li Ming") + ":decision_maker:A; " + _("Wang Fang") + ":business_approver",
        },
    ]


def template_rows(kind: str, user: User) -> list[list[Any]]:
    header = list(COLUMNS[kind])
    rows: list[list[Any]] = [header]
    for example in example_rows(kind, user):
        rows.append([example.get(key, "") for key in header])
    return rows


def template_xlsx(kind: str, user: User) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    for row in template_rows(kind, user):
        sheet.append([safe_cell(value) for value in row])
    for cells in sheet.columns:
        sheet.column_dimensions[cells[0].column_letter].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(kind: str, user: User) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in template_rows(kind, user):
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")
