"""The pipeline table (销售项目统计一览表) as an Excel workbook: the rows matching the table's
filters in its order, or the rows a user ticked; the table's columns with exact yuan, and a totals
row. Read in chunks (flags and relationship scores attached a chunk at a time) and capped, so a big
pipeline neither sits in memory nor runs without end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kam.core import sheets
from kam.opportunities import selectors
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.scoring import Requirements

CHUNK = 500


def columns() -> list[sheets.Column]:
    return [
        sheets.Column(_("Project number"), 16),
        sheets.Column(_("Name"), 36),
        sheets.Column(_("Customer"), 30),
        sheets.Column(_("Owner"), 12),
        sheets.Column(_("Stage"), 22),
        sheets.Column(_("Days in stage"), 10, sheets.INT),
        sheets.Column(_("Amount (yuan)"), 18, sheets.MONEY, total=True),
        sheets.Column(_("Amount low (yuan)"), 16, sheets.MONEY),
        sheets.Column(_("Amount high (yuan)"), 16, sheets.MONEY),
        sheets.Column(_("Weighted (yuan)"), 18, sheets.MONEY, total=True),
        sheets.Column(_("Sign date"), 12),
        sheets.Column(_("Last touch"), 12, sheets.DATE),
        sheets.Column(_("Key contacts"), 36),
        sheets.Column(_("Relationship"), 12),
        sheets.Column(_("Status"), 10),
        sheets.Column(_("Flags"), 30),
    ]


def export_queryset(
    user: User, filters: selectors.PipelineFilters, sort: str | None, ids: list[int] | None = None
) -> QuerySet[Opportunity]:
    """The rows to export in the table's order: the ticked `ids` the user may see (whatever the
    filters), or else every row the filters match."""
    qs = selectors.scoped_opportunities(user)
    qs = qs.filter(pk__in=ids) if ids is not None else selectors.apply_filters(qs, filters)
    qs, _sort = selectors.sort_pipeline(qs, sort)
    return (
        selectors.with_amounts(qs)
        .select_related("customer", "owner", "stage")
        .prefetch_related(selectors.key_contacts_prefetch())
    )


def _contacts(opportunity: Opportunity) -> str:
    parts = []
    for role in getattr(opportunity, "key_contacts", []):
        text = f"{role.contact.name} ({role.get_decision_role_display()}"
        if role.company_level:
            text += f", CR{role.company_level}"
        parts.append(text + f", {role.stance})")
    return "; ".join(parts)


def _relationship(opportunity: Opportunity) -> str:
    score = getattr(opportunity, "relationship", None)
    # No requirement applies yet: nothing to score, as the table shows it.
    if score is None or not score.total:
        return "—"
    return f"{score.score}%"


def _row(opportunity: Any) -> list[Any]:
    last_touch = opportunity.last_touch_at
    return [
        opportunity.project_number,
        opportunity.name,
        opportunity.customer.name,
        str(opportunity.owner),
        f"{opportunity.stage.code} {opportunity.stage.display_name}",
        opportunity.days_in_stage,
        opportunity.expected_amount,
        opportunity.amount_low if opportunity.amount is None else None,
        opportunity.amount_high if opportunity.amount is None else None,
        opportunity.weighted_amount,
        opportunity.sign_date_display,
        last_touch.date() if last_touch else None,
        _contacts(opportunity),
        _relationship(opportunity),
        str(opportunity.get_status_display()),
        ", ".join(flag.name for flag in getattr(opportunity, "health_flags", [])),
    ]


def rows(qs: QuerySet[Opportunity], filters: selectors.PipelineFilters, limit: int) -> Iterator[list[Any]]:
    """One more row than `limit` at most, so the sheet can tell that the cap cut it short."""
    engine = filters.engine()
    requirements = Requirements()
    chunk: list[Opportunity] = []

    def flush() -> Iterator[list[Any]]:
        engine.attach(selectors.attach_relationship_scores(chunk, requirements=requirements))
        for opportunity in chunk:
            yield _row(opportunity)
        chunk.clear()

    for opportunity in qs[: limit + 1].iterator(chunk_size=CHUNK):
        chunk.append(opportunity)
        if len(chunk) == CHUNK:
            yield from flush()
    if chunk:
        yield from flush()


def pipeline_xlsx(
    user: User,
    filters: selectors.PipelineFilters,
    sort: str | None,
    ids: list[int] | None = None,
    *,
    limit: int = sheets.EXPORT_LIMIT,
) -> tuple[bytes, str]:
    """The workbook's bytes and a file name such as pipeline-2027-03-31.xlsx."""
    qs = export_queryset(user, filters, sort, ids)
    sheet = sheets.Sheet(
        title=_("Pipeline table"),
        columns=columns(),
        rows=rows(qs, filters, limit),
        totals_label=_("Total (exported rows)"),
        limit=limit,
    )
    content = sheets.workbook_bytes([sheet])
    return content, sheets.dated_name("pipeline-selected" if ids is not None else "pipeline")
