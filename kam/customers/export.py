"""The customer list as an Excel workbook: the rows matching the list's filters, or the rows a user
ticked. Written row by row (openpyxl's write-only mode) from a chunked query, and capped, so a big
list neither holds every row in memory nor runs without end."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import customers_for
from kam.core.excel import safe_cell
from kam.customers import selectors
from kam.customers.models import Customer
from kam.customers.tags import selectors as tags_selectors
from kam.org.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20_000
CHUNK = 500
MONEY_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"


def headers() -> list[str]:
    return [
        _("Name"),
        _("Short name"),
        _("Parent group"),
        _("Owner"),
        _("Industry"),
        _("Region"),
        _("Status"),
        _("Tier"),
        _("Segment"),
        _("Score"),
        _("Open opportunities"),
        _("Open pipeline (yuan)"),
        _("Tags"),
    ]


def export_rows(
    user: User,
    filters: selectors.CustomerFilters,
    sort: str | None,
    ids: list[int] | None = None,
) -> tuple[QuerySet[Customer], list[Any], str]:
    """The rows to export, in the list's order: the ticked `ids` the user may see, or else every
    row the filters match. Returns the rows, the dynamic tags for their chips, and the sort used."""
    if ids is not None:
        qs = customers_for(user, Customer.objects.filter(pk__in=ids)).select_related("parent", "owner")
        qs, sort = selectors.sort_customers(selectors.with_open_pipeline(qs, user), sort)
    else:
        qs, sort = selectors.customer_rows(user, filters, sort)
    qs, dynamic = tags_selectors.with_tags(qs)
    return qs, dynamic, sort


def _values(customer: Any, dynamic: list[Any]) -> list[Any]:
    return [
        safe_cell(customer.name),
        safe_cell(customer.short_name),
        safe_cell(customer.parent.name if customer.parent else ""),
        safe_cell(str(customer.owner)),
        safe_cell(customer.industry),
        safe_cell(customer.region),
        str(customer.get_status_display()),
        customer.tier,
        str(customer.get_segment_display()),
        customer.score,
        customer.open_count,
        customer.open_amount,
        safe_cell(", ".join(tag.name for tag in tags_selectors.chips(customer, dynamic))),
    ]


def _capped(qs: QuerySet[Customer]) -> Iterator[Customer]:
    yield from qs[: EXPORT_LIMIT + 1].iterator(chunk_size=CHUNK)


def customers_xlsx(
    user: User,
    filters: selectors.CustomerFilters,
    sort: str | None,
    ids: list[int] | None = None,
) -> tuple[bytes, str]:
    """The workbook's bytes and a file name such as customers-2027-03-31.xlsx."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    qs, dynamic, _sort = export_rows(user, filters, sort, ids)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    for column, width in zip(
        "ABCDEFGHIJKLM", (32, 14, 24, 14, 16, 12, 10, 6, 10, 8, 10, 18, 30), strict=True
    ):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header_cells = []
    for title in headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for written, customer in enumerate(_capped(qs)):
        if written == EXPORT_LIMIT:
            sheet.append(
                [
                    _("The export stops at %(count)s rows; narrow the filter to export the rest.")
                    % {"count": f"{EXPORT_LIMIT:,}"}
                ]
            )
            break
        cells = []
        for index, value in enumerate(_values(customer, dynamic)):
            cell = WriteOnlyCell(sheet, value=value)
            if index == 9:
                cell.number_format = SCORE_FORMAT
            elif index == 11:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    today = timezone.localdate().isoformat()
    name = f"customers-selected-{today}.xlsx" if ids is not None else f"customers-{today}.xlsx"
    return out.getvalue(), name
