"""Display helpers shared by every page.

Money reads two ways (kam.core.money_unit): exact yuan, ¥144,553,500.00, and 万 with two decimals,
14,455.35 万, whose exact yuan stays one hover away in a `title`. `money` follows the reader's unit
and is what lists, cards, boards and the 360° page use; `yuan` is exact whatever the unit, for
forms and a record's own header; `money_text` is `money` without markup, for attributes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kam.core.money_unit import WAN_SUFFIX, MoneyUnit, current_unit

register = template.Library()

_CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    """The amount as a finite Decimal, or None when it is not one."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        # A float through its shortest text: 0.1 is 0.1, not 0.1000000000000000055….
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount.is_finite() else None


def _grouped(amount: Decimal) -> tuple[str, str]:
    """(sign, digits): two decimals rounded half up, comma grouping; never a "-0.00"."""
    with localcontext() as context:
        # Enough digits for any amount a caller may pass, not only the stored ones (MAX_MONEY).
        context.prec = 80
        rounded = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return sign, f"{abs(rounded):,.2f}"


def format_money(value: Any) -> str:
    """Exact yuan, ¥1,234,567.89 (negative: -¥1,234.56), in every language: our users read
    amounts with comma grouping, whatever the locale's own grouping. For forms, a record's header,
    JSON and exports."""
    if value is None or value == "":
        return ""
    amount = _decimal(value)
    if amount is None:
        return str(value)
    sign, digits = _grouped(amount)
    return f"{sign}¥{digits}"


def format_wan(value: Any) -> str:
    """In 万 with two decimals: 144553500 → 14,455.35 万."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None or value == "" else str(value)
    sign, digits = _grouped(amount.scaleb(-4))
    return f"{sign}{digits} {WAN_SUFFIX}"


def format_amount(value: Any, unit: str | None = None) -> str:
    """Plain text in `unit` (the reader's when None)."""
    unit = unit or current_unit()
    return format_wan(value) if unit == MoneyUnit.WAN else format_money(value)


def money_html(value: Any, unit: str | None = None) -> SafeString:
    """In the reader's unit; in 万 inside <span class="money" title="exact yuan">."""
    unit = unit or current_unit()
    if unit != MoneyUnit.WAN or _decimal(value) is None:
        return conditional_escape(format_money(value))
    return format_html('<span class="money" title="{}">{}</span>', format_money(value), format_wan(value))


def money_range_html(low: Any, high: Any, unit: str | None = None) -> SafeString:
    """A low–high range: ¥100,000.00–¥300,000.00, or 10.00–30.00 万 with the exact range as title."""
    unit = unit or current_unit()
    exact = f"{format_money(low)}–{format_money(high)}"
    low_amount, high_amount = _decimal(low), _decimal(high)
    if unit != MoneyUnit.WAN or low_amount is None or high_amount is None:
        return conditional_escape(exact)
    (low_sign, low_digits), (high_sign, high_digits) = (
        _grouped(low_amount.scaleb(-4)),
        _grouped(high_amount.scaleb(-4)),
    )
    shown = f"{low_sign}{low_digits}–{high_sign}{high_digits} {WAN_SUFFIX}"
    return format_html('<span class="money" title="{}">{}</span>', exact, shown)


def unit_name(unit: str | None = None) -> str:
    """The unit's name for an axis or a column heading: 元 / 万元 (yuan / 10k yuan)."""
    unit = unit or current_unit()
    return _("ten thousand yuan") if unit == MoneyUnit.WAN else _("yuan")


@register.filter(is_safe=True)
def money(value: Any) -> SafeString:
    return money_html(value)


@register.filter
def money_text(value: Any) -> str:
    return format_amount(value)


@register.filter
def yuan(value: Any) -> str:
    return format_money(value)


@register.simple_tag
def money_unit_attrs() -> SafeString:
    """The reader's unit for the page's scripts (charts): data-money-unit, -suffix and -name."""
    unit = current_unit()
    return format_html(
        'data-money-unit="{}" data-money-suffix="{}" data-money-name="{}"',
        unit,
        WAN_SUFFIX if unit == MoneyUnit.WAN else "",
        unit_name(unit),
    )
