"""The weekly team meeting pack (周沟通会) for one week: what changed in the pipeline during the
week, the flagged deals, the week's activities against plan, next week's plan and the key
accounts visited less than their policy asks.

The week's pipeline changes compare the snapshot taken at its start (the last one taken before
the Tuesday, so Monday's weekly snapshot counts) with the one taken at the start of the next week,
or with the live pipeline when that one has not been taken yet.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.insights.health.report import HealthFilters, health_report
from kam.insights.models import Severity, Snapshot
from kam.insights.review import selectors as review_selectors
from kam.reports import plan_figures, selectors, visit_figures
from kam.reports.periods import ReportPeriod, local_midnight, week_of
from kam.reports.scope import Scope
from kam.reports.tables import DATE, DATETIME, DECIMAL, INT, MONEY, Column, Figure, Report, Section


def snapshots_for(week: ReportPeriod) -> tuple[Snapshot | None, Snapshot | None]:
    """The snapshot the week starts from and the one it ends with (None: compare with now)."""
    first_day_end = local_midnight(week.start + dt.timedelta(days=1))
    before = Snapshot.objects.filter(taken_at__lt=first_day_end).order_by("-taken_at", "-id").first()
    next_start = week.end + dt.timedelta(days=1)
    after = (
        Snapshot.objects.filter(
            taken_at__gte=local_midnight(next_start),
            taken_at__lt=local_midnight(next_start + dt.timedelta(days=1)),
        )
        .order_by("-taken_at", "-id")
        .first()
    )
    return before, after


def changes_sections(scope: Scope, week: ReportPeriod) -> list[Section]:
    before, after = snapshots_for(week)
    summary = Section(
        "changes",
        _("Pipeline changes"),
        [
            Column("change", _("Change")),
            Column("count", _("Opportunities"), INT),
            Column("amount", _("Amount"), MONEY),
        ],
        empty=_("No pipeline snapshot was taken by the start of this week: there is nothing to compare."),
    )
    listed = Section(
        "changed_deals",
        _("Changed opportunities"),
        [
            Column("change", _("Change")),
            Column("opportunity", _("Opportunity")),
            Column("customer", _("Customer")),
            Column("owner", _("Owner")),
            Column("stage_before", _("Stage before")),
            Column("stage", _("Stage")),
            Column("amount_before", _("Amount before"), MONEY),
            Column("amount", _("Amount"), MONEY),
            Column("sign_before", _("Sign date before"), DATE),
            Column("sign_date", _("Sign date"), DATE),
            Column("reason", _("Close reason")),
        ],
        empty=_("Nothing changed in the pipeline this week."),
    )
    if before is None:
        listed.empty = summary.empty
        return [summary, listed]
    report = review_selectors.changes(scope.reader, before, after, owner_ids=scope.owner_ids)
    later = (
        _("the snapshot of %(when)s") % {"when": f"{timezone.localtime(after.taken_at):%Y-%m-%d %H:%M}"}
        if after
        else _("now")
    )
    summary.note = _("From the snapshot of %(before)s to %(after)s.") % {
        "before": f"{timezone.localtime(before.taken_at):%Y-%m-%d %H:%M}",
        "after": later,
    }
    count = 0
    for change in report.sections:
        summary.rows.append({"change": change.title, "count": change.count, "amount": change.amount})
        count += change.count
        for row in change.rows:
            if len(listed.rows) >= selectors.ROW_LIMIT:
                break
            listed.rows.append(
                {
                    "change": change.title,
                    "opportunity": f"{row['number']} {row['label']}",
                    "customer": row.get("customer_name") or "",
                    "owner": row.get("owner_name") or "",
                    "stage_before": row.get("prev_stage") or "",
                    "stage": row.get("cur_stage") or "",
                    "amount_before": row.get("prev_amount"),
                    "amount": row.get("cur_amount"),
                    "sign_before": row.get("prev_sign"),
                    "sign_date": row.get("cur_sign"),
                    "reason": row.get("close_reason") or "",
                    "url": row.get("url"),
                }
            )
    summary.empty = _("Nothing changed in the pipeline this week.")
    listed.count = count
    summary.figures = [Figure("changed", _("Changes"), count)]
    return [summary, listed]


def flagged_section(scope: Scope) -> Section:
    """The scope's flagged open deals, worst first, from the stored flags."""
    filters = HealthFilters(
        team=scope.team.pk if scope.team is not None else None,
        owner=scope.owner.pk if scope.owner is not None else None,
    )
    health = health_report(scope.reader, filters, limit=selectors.ROW_LIMIT)
    severities = dict(Severity.choices)
    rows = []
    for item in health["items"]:
        flags = getattr(item, "health_flags", [])
        worst = max(flags, key=lambda f: f.rank) if flags else None
        rows.append(
            {
                "opportunity": f"{item.project_number} {item.name}",
                "customer": item.customer.name,
                "owner": str(item.owner),
                "stage": item.stage.code,
                "amount": selectors.money(item.expected_amount) if item.expected_amount is not None else None,
                "sign_date": item.sign_date,
                "severity": str(severities.get(worst.severity, "")) if worst else "",
                "flags": "; ".join(f.name for f in flags),
                "url": reverse("opportunities:detail", args=[item.pk]),
            }
        )
    by_severity = {"critical": 0, "warn": 0}
    for row in health["by_owner"]:
        by_severity["critical"] += row["critical"]
        by_severity["warn"] += row["warn"]
    return Section(
        "flagged",
        _("Flagged deals"),
        [
            Column("opportunity", _("Opportunity")),
            Column("customer", _("Customer")),
            Column("owner", _("Owner")),
            Column("stage", _("Stage")),
            Column("amount", _("Amount"), MONEY),
            Column("sign_date", _("Sign date"), DATE),
            Column("severity", _("Worst flag")),
            Column("flags", _("Flags")),
        ],
        rows=rows,
        count=health["count"],
        figures=[
            Figure("flagged", _("Flagged deals"), health["count"]),
            Figure("critical", _("Critical"), by_severity["critical"]),
            Figure("warn", _("Warning"), by_severity["warn"]),
        ],
        empty=_("No open deal is flagged."),
    )


def stage_moves_section(scope: Scope, week: ReportPeriod) -> Section:
    """The week's stage moves with the stage summary (阶段总结) each forward move left behind."""
    rows, count = selectors.stage_moves(scope, week.start, week.end)
    labels = {"forward": _("forward"), "back": _("back")}
    for row in rows:
        row["direction"] = str(labels[row["direction"]])
    # Of the listed moves (all of them unless more than a page's worth).
    summarised = sum(1 for row in rows if row["achieved"] or row["carry_over"])
    return Section(
        "stage_moves",
        _("Stage moves and their summaries"),
        [
            Column("changed_at", _("When"), DATETIME),
            Column("opportunity", _("Opportunity")),
            Column("owner", _("Owner")),
            Column("from_stage", _("From")),
            Column("to_stage", _("To")),
            Column("direction", _("Direction")),
            Column("achieved", _("Achieved against the key node")),
            Column("carry_over", _("Carries over")),
            Column("note", _("Note")),
        ],
        rows=rows,
        count=count,
        figures=[
            Figure("moves", _("Stage moves"), count),
            Figure("summarised", _("With a stage summary"), summarised),
        ],
        empty=_("No opportunity changed stage this week."),
    )


def next_week_sections(scope: Scope, week: ReportPeriod) -> list[Section]:
    following = week_of(week.end + dt.timedelta(days=1))
    rows, count = selectors.planned_activities(scope, following.start, following.end)
    planned = Section(
        "next_week",
        _("Next week's plan (%(week)s)") % {"week": following.label},
        [
            Column("start", _("Start"), DATETIME),
            Column("owner", _("Owner")),
            Column("kind", _("Kind")),
            Column("customer", _("Customer")),
            Column("opportunity", _("Opportunity")),
            Column("summary", _("Summary")),
            Column("hours", _("Hours"), DECIMAL),
        ],
        rows=rows,
        count=count,
        figures=[Figure("planned", _("Planned activities"), count)],
        empty=_("No activity is planned for next week."),
    )
    goals = Section(
        "next_goals",
        _("Next week's goals"),
        [
            Column("owner", _("Owner")),
            Column("goal", _("Goal")),
            Column("customer", _("Customer")),
        ],
        rows=selectors.plan_goals(scope, "week", following.start),
        empty=_("No weekly plan with goals for next week."),
    )
    return [planned, goals]


def weekly_pack(scope: Scope, week: ReportPeriod, *, today: dt.date | None = None) -> Report:
    sections: list[Section] = []
    sections += changes_sections(scope, week)
    sections.append(stage_moves_section(scope, week))
    sections.append(flagged_section(scope))
    sections.append(plan_figures.plan_section(scope, week))
    sections += next_week_sections(scope, week)
    sections.append(visit_figures.under_visited_section(scope, week.end))
    return Report(
        "weekly",
        _("Weekly team meeting pack %(week)s") % {"week": week.label},
        week,
        scope,
        sections,
    )
