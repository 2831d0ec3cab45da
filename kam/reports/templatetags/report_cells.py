"""How a report's cell reads on the page, by its column's kind (the workbook keeps the raw value)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from kam.core.templatetags.kam_format import money_html
from kam.reports.tables import DATE, DATETIME, DECIMAL, MONEY, PERCENT, Column

register = template.Library()


def format_cell(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == MONEY:
        # In the reader's unit (元 / 万元), the exact yuan in its title; the workbook keeps yuan.
        return money_html(value)
    if kind == PERCENT:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))} %"
    if kind == DECIMAL:
        return f"{Decimal(value).quantize(Decimal('0.01')):,}"
    if kind == DATETIME and isinstance(value, dt.datetime):
        return (
            f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
            if timezone.is_aware(value)
            else f"{value:%Y-%m-%d %H:%M}"
        )
    if kind == DATE and isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


@register.simple_tag
def cell(row: dict[str, Any], column: Column) -> str:
    return format_cell(row.get(column.key), column.kind)


@register.simple_tag
def figure_value(value: Any, kind: str) -> str:
    return format_cell(value, kind)
