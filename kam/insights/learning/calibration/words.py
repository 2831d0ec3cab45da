"""A record in words, in the reader's language: what share of commit and best case a rep closes,
how the amounts won moved, the stage the sign date slips most from, and which record stood in
for a too short one."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kam.insights.learning.calibration.records import (
    CATEGORIES,
    COMPANY,
    OWN,
    TEAM,
    Calls,
    History,
    Row,
)
from kam.opportunities.models import ForecastCategory

# A slip or an amount change smaller than this is not worth a sentence.
NOTABLE_SLIP_DAYS = 7
NOTABLE_AMOUNT_CHANGE = Decimal("5")


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('1'))}"


def bias_words(history: History, labels: dict[int, str]) -> list[str]:
    """The record in sentences: the share of commit and best case closed by amount, the amount
    change of the deals won, and the stage from which the sign date slips most."""
    words: list[str] = []
    for category, sentence in (
        (ForecastCategory.COMMIT.value, _("closes %(percent)s %% of commit by amount (%(calls)s calls)")),
        (
            ForecastCategory.BEST_CASE.value,
            _("closes %(percent)s %% of best case by amount (%(calls)s calls)"),
        ),
    ):
        calls = history.calls[category]
        if calls.ratio is not None:
            words.append(sentence % {"percent": _percent(calls.ratio), "calls": calls.calls})
    merged = Calls()
    for category in CATEGORIES:
        merged.add(history.calls[category])
    change = merged.amount_change
    if change is not None and abs(change) >= NOTABLE_AMOUNT_CHANGE:
        if change < 0:
            words.append(_("deals won come in %(percent)s %% below the amount called") % {"percent": -change})
        else:
            words.append(_("deals won come in %(percent)s %% above the amount called") % {"percent": change})
    slips = [(order, slip) for order, slip in history.slips.items() if slip.average is not None]
    if slips:
        order, slip = max(slips, key=lambda item: (abs(item[1].average or 0), item[1].samples))
        days = slip.average or 0
        stage = labels.get(order) or slip.label or str(order)
        if days >= NOTABLE_SLIP_DAYS:
            words.append(
                ngettext(
                    "slips %(days)s day on average from %(stage)s",
                    "slips %(days)s days on average from %(stage)s",
                    days,
                )
                % {"days": days, "stage": stage}
            )
        elif days <= -NOTABLE_SLIP_DAYS:
            words.append(
                ngettext(
                    "signs %(days)s day early on average from %(stage)s",
                    "signs %(days)s days early on average from %(stage)s",
                    -days,
                )
                % {"days": -days, "stage": stage}
            )
    return words


def fallback_words(row: Row, labels: dict[int, str]) -> list[str]:
    """Where a rep's own record was too short, which record stood in for it."""
    words: list[str] = []
    names = {
        ForecastCategory.COMMIT.value: _("commit"),
        ForecastCategory.BEST_CASE.value: _("best case"),
    }
    for category, used in row.ratios.items():
        if used.source == OWN:
            continue
        params = {"category": names[category], "calls": row.history.calls[category].calls}
        if used.source == TEAM:
            words.append(
                _("Too few closed %(category)s calls of their own (%(calls)s): the team's ratio is used.")
                % params
            )
        elif used.source == COMPANY:
            words.append(
                _(
                    "Too few closed %(category)s calls of their own or their team's (%(calls)s): the company's ratio is used."
                )
                % params
            )
        else:
            words.append(
                _("No history of %(category)s calls anywhere yet: the stated figure stands.") % params
            )
    borrowed = sorted(
        (labels.get(order, str(order)), used.source)
        for order, used in row.slips.items()
        if used.source in (TEAM, COMPANY)
    )
    if borrowed:
        stages = pgettext("list separator", ", ").join(stage for stage, _source in borrowed)
        words.append(
            _("Slips at %(stages)s taken from the team's or the company's record.") % {"stages": stages}
        )
    return words
