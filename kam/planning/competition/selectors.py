"""Competitors: reads. The directory, a competitor's record against us (SQL aggregates over the
closed deals the reader may see), a deal's grid with its leads and trails, and the tool's state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.access.visibility import opportunities_for
from kam.opportunities.models import (
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityStatus,
    Stage,
)
from kam.org.models import User
from kam.planning.competition.models import (
    CompetitionChange,
    CompetitorGrid,
    CompetitorProfile,
    CompetitorSupporter,
    Dimension,
    GridCell,
)

CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)
DIRECTORY_PAGE = 25
DEALS_PAGE = 50


# --- the directory ----------------------------------------------------------------------------------


def directory(user: User, search: str = "") -> QuerySet[Competitor]:
    """Competitors by name, each with the number of deals the reader may see that it is on."""
    visible = opportunities_for(user).values("pk")
    qs = Competitor.objects.all()
    search = (search or "").strip()
    if search:
        qs = qs.filter(name__icontains=search)
    lost_to = (
        Opportunity.objects.filter(lost_to=OuterRef("pk"), status=OpportunityStatus.LOST, pk__in=visible)
        .order_by()
        .values("lost_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        deal_count=Count("entries", filter=Q(entries__opportunity__in=visible), distinct=True),
        lost_to_count=Coalesce(Subquery(lost_to, output_field=IntegerField()), 0),
    ).order_by("name", "id")


def profile(competitor: Competitor) -> CompetitorProfile:
    """The profile as read (a competitor without one reads as an empty profile at version 1)."""
    found = CompetitorProfile.objects.filter(competitor=competitor).first()
    return found or CompetitorProfile(competitor=competitor)


def _deals_against(user: User, competitor: Competitor) -> QuerySet[Opportunity]:
    """Closed deals the competitor was on, or that were lost to it, among those the reader may see."""
    on_deal = OpportunityCompetitor.objects.filter(competitor=competitor).values("opportunity_id")
    return opportunities_for(
        user,
        Opportunity.objects.filter(Q(pk__in=on_deal) | Q(lost_to=competitor), status__in=CLOSED),
    )


@dataclass
class Figure:
    count: int = 0
    amount: Decimal = Decimal("0")


@dataclass
class RecordRow:
    """One line of a record table: a key (a year, a stage) and a figure per outcome."""

    key: Any
    label: str
    # The record page's filter for this line's deals ("&year=2025"), after the status.
    query: str = ""
    won: Figure = field(default_factory=Figure)
    lost: Figure = field(default_factory=Figure)
    dropped: Figure = field(default_factory=Figure)

    def add(self, status: str, count: int, amount: Decimal | None) -> None:
        figure: Figure = getattr(self, status)
        figure.count += count
        figure.amount += amount or Decimal("0")

    @property
    def total(self) -> int:
        return self.won.count + self.lost.count + self.dropped.count

    @property
    def figures(self) -> list[tuple[str, Figure]]:
        return [("won", self.won), ("lost", self.lost), ("dropped", self.dropped)]


@dataclass
class Record:
    overall: RecordRow
    by_stage: list[RecordRow]
    by_year: list[RecordRow]

    @property
    def win_rate(self) -> int | None:
        """Of the deals decided between us (won or lost), the share we won, in %."""
        decided = self.overall.won.count + self.overall.lost.count
        return round(100 * self.overall.won.count / decided) if decided else None


def record(user: User, competitor: Competitor) -> Record:
    """Won / lost / dropped counts and amounts, overall, by stage reached and by year (three queries
    of aggregates, plus one for the stages' names)."""
    deals = _deals_against(user, competitor).order_by()
    amount = Sum("sort_amount")
    overall = RecordRow(key=None, label=_("All closed deals"))
    for row in deals.values("status").annotate(n=Count("pk"), total=amount):
        overall.add(row["status"], row["n"], row["total"])

    years: dict[int | None, RecordRow] = {}
    for row in (
        deals.annotate(year=ExtractYear("closed_at"))
        .values("year", "status")
        .annotate(n=Count("pk"), total=amount)
    ):
        year = row["year"]
        line = years.setdefault(
            year,
            RecordRow(
                key=year, label=str(year) if year else _("no date"), query=f"&year={year}" if year else ""
            ),
        )
        line.add(row["status"], row["n"], row["total"])

    stage_rows = list(
        deals.values("stage__process_id", "furthest_stage_order", "status").annotate(
            n=Count("pk"), total=amount
        )
    )
    processes = {row["stage__process_id"] for row in stage_rows}
    stages = {
        (s.process_id, s.order): s
        for s in Stage.objects.filter(process_id__in=processes).select_related("process")
    }
    by_stage: dict[tuple[int, int], RecordRow] = {}
    for row in stage_rows:
        key = (row["stage__process_id"], row["furthest_stage_order"])
        stage = stages.get(key)
        label = f"{stage.code} {stage.display_name}" if stage else str(row["furthest_stage_order"])
        line = by_stage.setdefault(
            key,
            RecordRow(
                key=row["furthest_stage_order"], label=label, query=f"&stage={row['furthest_stage_order']}"
            ),
        )
        line.add(row["status"], row["n"], row["total"])
    return Record(
        overall=overall,
        by_stage=[by_stage[k] for k in sorted(by_stage)],
        by_year=[years[k] for k in sorted(years, key=lambda y: -(y or 0))],
    )


def record_deals(
    user: User,
    competitor: Competitor,
    *,
    status: str = "",
    year: int | None = None,
    stage_order: int | None = None,
) -> QuerySet[Opportunity]:
    """The deals behind one figure of the record (all closed deals when nothing is chosen)."""
    qs = _deals_against(user, competitor)
    if status in CLOSED:
        qs = qs.filter(status=status)
    if year is not None:
        qs = qs.filter(closed_at__year=year)
    if stage_order is not None:
        qs = qs.filter(furthest_stage_order=stage_order)
    return qs.select_related("customer", "owner", "stage", "lost_to").order_by("-closed_at", "-id")


def open_deals(user: User, competitor: Competitor) -> QuerySet[Opportunity]:
    on_deal = OpportunityCompetitor.objects.filter(competitor=competitor).values("opportunity_id")
    return (
        opportunities_for(user, Opportunity.objects.filter(pk__in=on_deal, status=OpportunityStatus.OPEN))
        .select_related("customer", "owner", "stage")
        .order_by("sign_date", "id")
    )


def competitor_history(competitor: Competitor) -> list[CompetitionChange]:
    """The directory's lines about the competitor (edits of deals are on the deals' own pages)."""
    return list(
        CompetitionChange.objects.filter(competitor=competitor, opportunity__isnull=True).select_related(
            "changed_by"
        )[:50]
    )


# --- a deal's grid ------------------------------------------------------------------------------------


@dataclass
class Side:
    """A column of the grid: us (competitor None) or one competitor on the deal."""

    competitor: Competitor | None
    total: int = 0
    scored: int = 0
    leads: int = 0
    trails: int = 0
    supporters: list[CompetitorSupporter] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.competitor.pk) if self.competitor else "us"

    @property
    def name(self) -> str:
        return self.competitor.name if self.competitor else _("Us")


@dataclass
class GridCellView:
    side: Side
    score: int | None = None
    note: str = ""
    # For a competitor's cell: "lead" when we score higher, "trail" when lower, "" otherwise.
    comparison: str = ""


@dataclass
class GridRow:
    dimension: Dimension
    cells: list[GridCellView]
    # We lead on the dimension when our score beats every competitor scored on it.
    leading: bool = False
    compared: bool = False


@dataclass
class GridView:
    opportunity: Opportunity
    version: int
    sides: list[Side]
    rows: list[GridRow]
    supporters: list[CompetitorSupporter]

    @property
    def competitors(self) -> list[Side]:
        return self.sides[1:]

    @property
    def leading(self) -> int:
        return sum(1 for row in self.rows if row.leading)

    @property
    def compared(self) -> int:
        return sum(1 for row in self.rows if row.compared)


def _compare(ours: int | None, theirs: int | None) -> str:
    if ours is None or theirs is None or ours == theirs:
        return ""
    return "lead" if ours > theirs else "trail"


def grid(opportunity: Opportunity) -> GridView:
    """The grid of one deal: five queries whatever its size (grid, dimensions, competitors, cells,
    supporters)."""
    grid_row = CompetitorGrid.objects.filter(opportunity=opportunity).first()
    dimensions = list(Dimension.objects.filter(is_active=True))
    entries = list(
        OpportunityCompetitor.objects.filter(opportunity=opportunity)
        .select_related("competitor")
        .order_by("competitor__name", "competitor_id")
    )
    cells = (
        {(c.dimension_id, c.competitor_id): c for c in GridCell.objects.filter(grid=grid_row)}
        if grid_row
        else {}
    )
    supporters = list(
        CompetitorSupporter.objects.filter(opportunity=opportunity)
        .select_related("contact", "competitor")
        .order_by("competitor__name", "contact__name", "id")
    )
    sides = [Side(competitor=None)] + [Side(competitor=e.competitor) for e in entries]
    by_competitor = {side.competitor.pk: side for side in sides if side.competitor}
    for supporter in supporters:
        if supporter.competitor_id in by_competitor:
            by_competitor[supporter.competitor_id].supporters.append(supporter)

    rows = []
    for dimension in dimensions:
        views = []
        for side in sides:
            stored = cells.get((dimension.pk, side.competitor.pk if side.competitor else None))
            views.append(
                GridCellView(
                    side=side, score=stored.score if stored else None, note=stored.note if stored else ""
                )
            )
        ours = views[0].score
        theirs = [v.score for v in views[1:] if v.score is not None]
        for view in views:
            if view.score is not None:
                view.side.total += view.score
                view.side.scored += 1
            if view.side.competitor is not None:
                view.comparison = _compare(ours, view.score)
                if view.comparison == "lead":
                    view.side.leads += 1
                elif view.comparison == "trail":
                    view.side.trails += 1
        compared = ours is not None and bool(theirs)
        rows.append(
            GridRow(
                dimension=dimension,
                cells=views,
                compared=compared,
                leading=compared and ours is not None and all(ours > t for t in theirs),
            )
        )
    return GridView(
        opportunity=opportunity,
        version=grid_row.version if grid_row else 1,
        sides=sides,
        rows=rows,
        supporters=supporters,
    )


def chain_contacts(opportunity: Opportunity) -> list[OpportunityContact]:
    """The deal's decision chain, one row per contact, for the supporter picker."""
    seen: dict[int, OpportunityContact] = {}
    for entry in (
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("contact__name", "decision_role")
    ):
        seen.setdefault(entry.contact_id, entry)
    return list(seen.values())


def deal_history(opportunity: Opportunity, limit: int = 50) -> list[CompetitionChange]:
    return list(
        CompetitionChange.objects.filter(opportunity_id=opportunity.pk).select_related("changed_by")[:limit]
    )


def supporters_by_contact(opportunity: Opportunity) -> dict[int, CompetitorSupporter]:
    return {
        s.contact_id: s
        for s in CompetitorSupporter.objects.filter(opportunity=opportunity).select_related(
            "competitor", "contact"
        )
    }


# --- the strategy panel's line ----------------------------------------------------------------------


def state(opportunity: Opportunity, user: User) -> str:
    """ "2 competitors · leading on 5/8": one query (the competitor count rides on the cells' rows)."""
    count = (
        OpportunityCompetitor.objects.filter(opportunity=OuterRef("pk"))
        .order_by()
        .values("opportunity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        Opportunity.objects.filter(pk=opportunity.pk)
        .annotate(n=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .order_by()
        .values_list(
            "n",
            "competitor_grid__cells__dimension_id",
            "competitor_grid__cells__competitor_id",
            "competitor_grid__cells__score",
        )
    )
    competitors = rows[0][0] if rows else 0
    if not competitors:
        return _("no competitors yet")
    ours: dict[int, int] = {}
    theirs: dict[int, list[int]] = defaultdict(list)
    for _n, dimension, competitor, score in rows:
        if dimension is None or score is None:
            continue
        if competitor is None:
            ours[dimension] = score
        else:
            theirs[dimension].append(score)
    compared = [d for d in ours if theirs.get(d)]
    text = ngettext("%(count)s competitor", "%(count)s competitors", competitors) % {"count": competitors}
    if not compared:
        return text + " · " + _("not scored yet")
    leading = sum(1 for d in compared if all(ours[d] > t for t in theirs[d]))
    return (
        text
        + " · "
        + _("leading on %(leading)s/%(compared)s") % {"leading": leading, "compared": len(compared)}
    )
