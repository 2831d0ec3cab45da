"""Display helpers for opportunity pages: money in the reader's unit (or exact yuan), four-element gaps."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kam.core.templatetags.kam_format import format_money, money, money_html, money_range_html, yuan
from kam.insights.models import Severity
from kam.opportunities import flags as flags_module

register = template.Library()


# Registered here too, so opportunity templates need one {% load %}.
register.filter("money", money, is_safe=True)
register.filter("yuan", yuan)


@register.filter(is_safe=True)
def amount_display(opportunity: Any) -> str:
    """The single amount, else the low–high range, else nothing; in the reader's unit (lists, cards)."""
    if opportunity.amount is not None:
        return money_html(opportunity.amount)
    if opportunity.amount_low is not None and opportunity.amount_high is not None:
        return money_range_html(opportunity.amount_low, opportunity.amount_high)
    return ""


@register.filter
def amount_exact(opportunity: Any) -> str:
    """`amount_display` in exact yuan whatever the reader's unit: the deal's own header and forms."""
    if opportunity.amount is not None:
        return format_money(opportunity.amount)
    if opportunity.amount_low is not None and opportunity.amount_high is not None:
        return f"{format_money(opportunity.amount_low)}–{format_money(opportunity.amount_high)}"
    return ""


GAP_LABELS = {
    "name": lambda: _("no name"),
    "amount": lambda: _("no amount"),
    "sign_date": lambda: _("no sign date"),
}


@register.filter
def gap_labels(opportunity: Any) -> list[str]:
    return [GAP_LABELS[name]() for name in opportunity.missing_elements if name in GAP_LABELS]


@register.filter
def level_label(level: Any) -> str:
    return f"CR{level}" if level else ""


@register.filter
def score_band(score: Any) -> str:
    """good / fair / poor for a relationship score in percent (badge colour)."""
    try:
        value = int(score)
    except (TypeError, ValueError):
        return "none"
    return "good" if value >= 80 else "fair" if value >= 50 else "poor"


@register.filter
def gap_texts(result: Any) -> str:
    """A relationship score's gaps as one line (for a tooltip)."""
    return "; ".join(gap.text for gap in getattr(result, "gaps", []) or [])


@register.filter
def worst_severity(flags: Any) -> str:
    """The worst severity among health flags (critical, warn, info), for the badge colour."""
    return flags_module.worst_severity(list(flags or [])) or "none"


@register.filter
def flag_texts(flags: Any) -> str:
    """Health flags as one line each (for a tooltip)."""
    return "\n".join(f"{flag.name}: {flag.explanation}" for flag in flags or [])


@register.filter
def severity_label(severity: Any) -> str:
    try:
        return str(Severity(severity).label)
    except ValueError:
        return str(severity or "")
