"""The funnel of a sales process as an Excel workbook: per stage, the open deals and their exact
amount, how many deals reached it and the share that reached the next; a totals row. The same
figures as the page (kam.insights.forecast.funnel), for the user's view."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from kam.core import sheets
from kam.insights.forecast import funnel
from kam.opportunities.models import SalesProcess
from kam.org.models import User


def columns() -> list[sheets.Column]:
    return [
        sheets.Column(_("Stage"), 28),
        sheets.Column(_("Probability"), 12, sheets.PERCENT),
        sheets.Column(_("Open opportunities"), 14, sheets.INT, total=True),
        sheets.Column(_("Amount (yuan)"), 18, sheets.MONEY, total=True),
        sheets.Column(_("Reached"), 12, sheets.INT),
        sheets.Column(_("Converted to next stage"), 14, sheets.PERCENT),
    ]


def funnel_xlsx(user: User, process: SalesProcess) -> tuple[bytes, str]:
    """The workbook's bytes and a file name such as funnel-KA-2027-03-31.xlsx."""
    stages = funnel.funnel(user, process)
    sheet = sheets.Sheet(
        title=_("Sales funnel"),
        heading=[f"{_('Sales funnel')} · {process}"],
        columns=columns(),
        rows=[
            [
                f"{s.stage.code} {s.stage.display_name}",
                Decimal(s.stage.probability) / 100,
                s.open_count,
                s.open_amount,
                s.reached,
                s.conversion,
            ]
            for s in stages
        ],
        totals_label=_("Total"),
    )
    return sheets.workbook_bytes([sheet]), sheets.dated_name(f"funnel-{process.code}")
