"""Display helpers shared by every page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def format_money(value: Any) -> str:
    """Yuan as ¥1,234,567.89 in every language: our users read amounts with comma grouping,
    whatever the locale's own grouping."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"¥{amount.quantize(Decimal('0.01')):,}"


@register.filter
def money(value: Any) -> str:
    return format_money(value)
