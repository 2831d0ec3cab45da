"""A statement as an Excel workbook: the lines behind every figure, then the totals, the
multiplier and the cap or floor that produced the amount payable."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kam.core.sheets import DATE, MONEY, Column, Sheet, workbook_bytes
from kam.team.commission.models import Statement, StatementLine


def file_name(statement: Statement) -> str:
    person = statement.person.username
    return f"commission-{person}-{statement.period_start.isoformat()}-r{statement.revision}.xlsx"


def workbook(statement: Statement, lines: list[StatementLine]) -> bytes:
    columns = [
        Column(_("Date"), 12, DATE),
        Column(_("Kind"), 10),
        Column(_("Deal or payment"), 36),
        Column(_("Customer"), 28),
        Column(_("Layer"), 18),
        Column(_("Amount"), 16, MONEY),
        Column(_("Share (%)"), 10),
        Column(_("Band"), 22),
        Column(_("Base in the band"), 16, MONEY, total=True),
        Column(_("Rate (%)"), 10),
        Column(_("Commission"), 14, MONEY, total=True),
    ]
    rows: list[list[Any]] = [
        [
            line.dated,
            line.get_kind_display(),
            line.label,
            line.customer,
            line.layer,
            line.source_amount,
            line.share,
            line.band,
            line.portion,
            line.rate,
            line.amount,
        ]
        for line in lines
    ]
    heading = [
        _("Commission statement: %(person)s, %(start)s – %(end)s")
        % {"person": statement.person, "start": statement.period_start, "end": statement.period_end},
        _("Plan: %(plan)s · revision %(revision)s · %(status)s")
        % {"plan": statement.plan, "revision": statement.revision, "status": statement.get_status_display()},
    ]
    summary = Sheet(
        _("Totals"),
        [Column(_("Figure"), 30), Column(_("Value"), 18)],
        [
            [_("Target"), statement.target],
            [_("Base"), statement.base_total],
            [_("Commission from the bands"), statement.commission],
            [_("Star level"), statement.star or "—"],
            [_("Multiplier"), statement.multiplier],
            [_("After the multiplier"), statement.multiplied],
            [_("Cap"), statement.cap],
            [_("Floor"), statement.floor],
            [_("Cap or floor applied"), _limit(statement.limit_applied)],
            [_("Total"), statement.total],
        ],
    )
    return workbook_bytes(
        [Sheet(_("Lines"), columns, rows, heading=heading, totals_label=_("Total")), summary]
    )


def _limit(value: str) -> str:
    return {"cap": _("cap"), "floor": _("floor")}.get(value, "—")
