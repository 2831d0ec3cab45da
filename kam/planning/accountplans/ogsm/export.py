"""The OGSM table of a plan as an Excel workbook (write-only): one row per action, or per leaf
where a branch has no action yet, with every parent's cells repeated so the sheet filters well."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kam.core.excel import safe_cell
from kam.planning.accountplans.models import AccountPlan, ActionStatus, GoalMetric
from kam.planning.accountplans.ogsm import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers() -> list[str]:
    return [
        _("Objective"),
        _("Goal"),
        _("Measured by"),
        _("Target"),
        _("Actual"),
        _("Status"),
        _("Due by"),
        _("Strategy"),
        _("Measure"),
        _("Progress measure"),
        _("Action"),
        _("Owner"),
        _("Due date"),
        _("Action status"),
        _("Overdue"),
    ]


def ogsm_xlsx(plan: AccountPlan) -> tuple[bytes, str]:
    cascade = selectors.cascade(plan)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("OGSM"))
    sheet.append([safe_cell(f"{plan.customer} · {plan.year}")])
    sheet.append(headers())
    metrics = dict(GoalMetric.choices)
    statuses = dict(ActionStatus.choices)
    for row in cascade.rows():
        goal = row.get("goal")
        goal_row = cascade.goals.get(goal.pk) if goal is not None else None
        strategy = row.get("strategy")
        measure = row.get("measure")
        action = row.get("action")
        values = [
            row["objective"].text,
            goal.text if goal else "",
            str(metrics.get(goal.metric, goal.metric)) if goal else "",
            goal.target if goal else None,
            goal_row.actual if goal_row else None,
            goal_row.status_label if goal_row else "",
            goal.due_date if goal else None,
            strategy.text if strategy else "",
            measure.text if measure else "",
            measure.target if measure else "",
            action.text if action else "",
            str(action.owner) if action else "",
            action.due_date if action else None,
            str(statuses.get(row["action_status"], "")) if action else "",
            (_("yes") if row["overdue"] else _("no")) if action else "",
        ]
        sheet.append([safe_cell(value) for value in values])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), f"ogsm-{plan.customer_id}-{plan.year}.xlsx"
