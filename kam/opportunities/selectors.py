"""Reads for the pipeline table, the board and the API list: scoped, filtered, annotated in SQL."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import (
    get_visible_opportunity,
    memberships_elsewhere,
    opportunities_for,
    opportunity_parts,
)
from kam.core import loaded, pinyin
from kam.core.ids import parse_id
from kam.core.keyset import Seek, SortKey, decode_cursor, encode_cursor, fingerprint
from kam.core.periods import parse_quarter, quarter_bounds
from kam.core.statements import id_rows, read_alias, union_rows, value_rows
from kam.insights.learning.models import WinPrediction
from kam.opportunities.flags import FlagEngine, flag_engine
from kam.opportunities.models import (
    CriterionCheck,
    ExitCriterion,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityMember,
    OpportunityStatus,
    PipelineRollup,
    Stage,
    StageChange,
    StageRollup,
    TeamRollup,
)
from kam.opportunities.models.opportunity import days_between, sign_date_label
from kam.org.models import User
from kam.org.visibility import managed_team_ids, team_subtree_ids
from kam.relationships.models import DecisionRole, Rank, Relationship
from kam.relationships.scoring import Requirements, entries_from_prefetch, evaluate, look_ahead

MONEY = DecimalField(max_digits=20, decimal_places=2)

# Multiplied by 0.5 and 0.01, not divided by 2 and 100: SQLite keeps a whole amount as an integer
# and Django casts the divisor to an integer too, so the division truncated (a range of 3–4 gave 3,
# 963 at 20 % gave 192). The products are exact on PostgreSQL and real on SQLite.
EXPECTED_AMOUNT = Coalesce(
    F("amount"),
    ExpressionWrapper((F("amount_low") + F("amount_high")) * Value(Decimal("0.5")), output_field=MONEY),
    output_field=MONEY,
)
WEIGHTED_AMOUNT = ExpressionWrapper(
    EXPECTED_AMOUNT * F("stage__probability") * Value(Decimal("0.01")), output_field=MONEY
)

# Sort keys offered to users; anything else falls back to the default order. Ties are broken by
# id, in the sort's direction; rows without a value come last both ways.
#
# Which an index serves, under the status filter every list applies (first page and any later one
# alike, since pages seek from a cursor): amount (opportunity_amount_idx on status, sort_amount,
# id), updated (opportunity_updated_idx), sign_date (opportunity_sign_idx), severity
# (opportunity_health_idx); status, when one status is shown, by the primary key. number (the
# unique project number index on PostgreSQL; SQLite prefers sorting) and name sort the matching
# rows; customer, owner and stage sort through a join. Those sort only ids and the
# sort value: the page's 50 rows are joined afterwards, by id.
SORTS: dict[str, SortKey] = {
    "number": SortKey("project_number", "text"),
    "name": SortKey("name", "text"),
    # Customers (and stages) of the same name (order) stay together, by their id: see SortKey.then.
    # The customer's name as the deal keeps it (Opportunity.customer_name: an index of its own).
    "customer": SortKey("customer_name", "text", then="customer_id"),
    "owner": SortKey("owner__username", "text"),
    "stage": SortKey("stage__order", "int", then="stage__process_id"),
    # The stored expected amount (the amount, else the middle of the range).
    "amount": SortKey("sort_amount", "number", nullable=True),
    "sign_date": SortKey("sign_date", "date", nullable=True),
    # Days in the current stage: by the moment the deal entered it (earliest first: longest in
    # stage first). Sorts the matching rows; no index of its own.
    "in_stage": SortKey("stage_entered_at", "datetime", nullable=True),
    "status": SortKey("status", "text"),
    "updated": SortKey("updated_at", "datetime"),
    # The worst stored health flag's severity (0 none … 3 critical).
    "severity": SortKey("health_rank", "int"),
}
DEFAULT_SORT = "-updated"
# Beyond this many matching rows a list that the rollup cannot total says "more than N" instead
# of counting (and summing) every row.
COUNT_LIMIT = 10_000


@dataclass
class PipelineFilters:
    owner: int | None = None
    team: int | None = None
    stage: int | None = None
    status: str | None = None
    sign_quarter: str | None = None
    customer: int | None = None
    q: str | None = None
    incomplete: bool = False
    flagged: bool = False
    # The health rules of this request, loaded once for the filter, the sort and the flags.
    health: FlagEngine | None = field(default=None, repr=False, compare=False)

    def engine(self) -> FlagEngine:
        if self.health is None:
            self.health = flag_engine()
        return self.health

    @classmethod
    def from_mapping(cls, data: Any) -> PipelineFilters:
        """Lenient parse of query parameters: a bad value is ignored, not a 500."""

        def as_int(name: str) -> int | None:
            return parse_id(data.get(name))

        status = data.get("status") or None
        if status not in (None, "all", *OpportunityStatus.values):
            status = None
        return cls(
            owner=as_int("owner"),
            team=as_int("team"),
            stage=as_int("stage"),
            status=status,
            sign_quarter=(data.get("sign_quarter") or "").strip() or None,
            customer=as_int("customer"),
            q=(data.get("q") or "").strip() or None,
            incomplete=str(data.get("incomplete") or "") in ("1", "true", "on"),
            flagged=str(data.get("flagged") or "") in ("1", "true", "on"),
        )


def filter_errors(filters: PipelineFilters) -> dict[str, str]:
    errors = {}
    if filters.sign_quarter and parse_quarter(filters.sign_quarter) is None:
        errors["sign_quarter"] = _("Write a quarter as 2027 Q3 (or 27.Q3).")
    return errors


def scoped_opportunities(user: User) -> QuerySet[Opportunity]:
    return opportunities_for(user, Opportunity.objects.all())


def apply_filters(qs: QuerySet[Opportunity], filters: PipelineFilters) -> QuerySet[Opportunity]:
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team]))
    if filters.stage:
        qs = qs.filter(stage_id=filters.stage)
    if filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.customer:
        qs = qs.filter(Q(customer_id=filters.customer) | Q(customer__parent_id=filters.customer))
    if filters.sign_quarter:
        parsed = parse_quarter(filters.sign_quarter)
        if parsed:
            start, end = quarter_bounds(*parsed)
            qs = qs.filter(sign_date__range=(start, end))
    if filters.q:
        text = filters.q
        # Names typed or by pinyin (full or initials, kam.core.pinyin); a project number has digits.
        condition = pinyin.text_matches(text, "search_key", "name") | pinyin.text_matches(
            text, "customer__search_key", "customer__name", "customer__short_name"
        )
        if any(c.isdigit() for c in text):
            condition |= Q(project_number__icontains=text)
        qs = qs.filter(condition)
    if filters.incomplete:
        qs = qs.filter(
            Q(sign_date__isnull=True)
            | (Q(amount__isnull=True) & (Q(amount_low__isnull=True) | Q(amount_high__isnull=True)))
        )
    if filters.flagged:
        qs = filters.engine().flagged_only(qs)
    return qs


def with_amounts(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.annotate(expected_amount=EXPECTED_AMOUNT, weighted_amount=WEIGHTED_AMOUNT)  # type: ignore[no-redef]


def normalize_sort(sort: str | None) -> tuple[str, str, bool]:
    """(the sort as offered, its key, descending); an unknown sort is the default one."""
    sort = sort or DEFAULT_SORT
    key = sort.lstrip("-")
    if key not in SORTS or sort.count("-") > 1:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    return sort, key, sort.startswith("-")


def sort_pipeline(
    qs: QuerySet[Opportunity], sort: str | None, health: FlagEngine | None = None
) -> tuple[QuerySet[Opportunity], str]:
    """The whole queryset in a sort's order (one ORDER BY, NULLs last); pages seek instead."""
    sort, key, descending = normalize_sort(sort)
    sort_key = SORTS[key]
    columns = [sort_key.column, *([sort_key.then] if sort_key.then else []), "id"]
    ordering = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in columns
    ]
    return qs.order_by(*ordering), sort


def company_level_subquery() -> Subquery:
    """A contact's level for the company: the highest level any of our people holds."""
    return Subquery(
        Relationship.objects.filter(contact_id=OuterRef("contact_id"))
        .values("contact_id")
        .annotate(top=Max("level"))
        .values("top")[:1]
    )


# What the decision chain of a row shows (name, title, role, stance, level), and no more.
CHAIN_ROW_FIELDS = (
    "id",
    "opportunity_id",
    "contact_id",
    "decision_role",
    "stance",
    "contact__id",
    "contact__name",
    "contact__title",
    "contact__rank",
)


def key_contacts_prefetch(to_attr: str = "key_contacts") -> Prefetch:
    """The decision chain of each row, with each contact's company level, in one query."""
    return Prefetch(
        "contact_roles",
        queryset=OpportunityContact.objects.select_related("contact")
        .only(*CHAIN_ROW_FIELDS)
        .annotate(company_level=company_level_subquery())
        .order_by("contact__rank", "decision_role"),
        to_attr=to_attr,
    )


@dataclass(slots=True)
class ChainContact:
    pk: int
    name: str
    title: str


@dataclass(slots=True)
class ChainRow:
    """One key contact of a page row, as `key_contacts_prefetch` gives it (the fields a row shows),
    read as values: fifty rows carry about a hundred, and building two records for each cost more
    than reading them."""

    contact_id: int
    contact: ChainContact
    decision_role: str
    stance: str
    company_level: int | None

    def get_decision_role_display(self) -> str:
        return str(dict(DecisionRole.choices).get(self.decision_role, self.decision_role))


def attach_key_contacts(opportunities: list[Opportunity], to_attr: str = "key_contacts") -> None:
    """Set each opportunity's decision chain (ChainRow, in `key_contacts_prefetch`'s order) on
    `to_attr`, in one query."""
    chains: dict[int, list[ChainRow]] = {o.pk: [] for o in opportunities}
    if chains:
        rows = id_rows(
            "key contacts",
            OpportunityContact,
            lambda some: (
                OpportunityContact.objects.filter(opportunity_id__in=some)
                .annotate(company_level=company_level_subquery())
                .order_by("contact__rank", "decision_role")
                .values_list(
                    "opportunity_id",
                    "contact_id",
                    "contact__name",
                    "contact__title",
                    "decision_role",
                    "stance",
                    "company_level",
                )
            ),
            list(chains),
        )
        for opportunity_id, contact_id, name, title, role, stance, level in rows:
            chains[opportunity_id].append(
                ChainRow(contact_id, ChainContact(contact_id, name, title), role, stance, level)
            )
    for opportunity in opportunities:
        setattr(opportunity, to_attr, chains[opportunity.pk])


# The attnames read of a page's opportunities, and of each related record named (besides its id).
RowFields = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]


@functools.cache
def _page_row_fields() -> RowFields:
    """A page row: the opportunity and its stage whole; of its customer and owner what a row shows
    (their names). Fifty rows of every customer and user column cost more to build than to read."""
    return (
        tuple(f.attname for f in Opportunity._meta.concrete_fields),
        {
            "stage": tuple(f.attname for f in Stage._meta.concrete_fields if not f.primary_key),
            "customer": ("name", "short_name"),
            "owner": ("name", "username"),
        },
    )


def cursor_scope(filters: PipelineFilters, sort: str) -> str:
    """What a pipeline cursor belongs to: the sort and every filter."""
    return fingerprint(
        sort,
        filters.owner,
        filters.team,
        filters.stage,
        filters.status or "",
        filters.sign_quarter,
        filters.customer,
        filters.q,
        filters.incomplete,
        filters.flagged,
    )


@dataclass
class PipelinePage:
    rows: list[Opportunity]
    sort: str
    next_cursor: str | None = None
    previous_cursor: str | None = None


def pipeline_page(
    user: User,
    filters: PipelineFilters,
    sort: str | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
    offset: int = 0,
    contacts_attr: str = "key_contacts",
    row_fields: RowFields | None = None,
) -> PipelinePage:
    """One page of the pipeline table: after (or before) `cursor`, else after `offset` rows, else
    the first. Raises CursorError for a cursor that is malformed or belongs to another list.
    `row_fields`: the columns read of each row and of its customer, owner and stage, when a
    reader needs fewer than the table (`_page_row_fields`); the others are deferred.

    Two steps: the ids of the page in order (through the sort's index where there is one), then
    the page's rows with customer, owner, stage and decision chain, by id. Joining before the
    sort would build a wide row for every matching opportunity only to keep fifty.
    """
    sort, key, descending = normalize_sort(sort)
    sort_key = SORTS[key]
    if key == "status" and filters.status not in (None, "all"):
        # One status shown: its order is the ids' order, which the primary key serves.
        sort_key = SortKey("id", "int")
    scope = cursor_scope(filters, sort)
    start = decode_cursor(cursor, sort_key, scope) if cursor else None
    groups = None
    # A rep: their own deals and their deal-team deals, each from its index (see opportunity_parts).
    parts = opportunity_parts(user, Opportunity.objects.all())
    if parts is not None:
        parts = [apply_filters(part, filters) for part in parts]
    elif key == "stage" and connection.vendor == "postgresql":
        # SQLite walks the stages' (order, process) index into each stage's deals by id in one
        # statement. PostgreSQL's planner sorts each stage's deals again (an incremental sort of
        # tens of thousands of rows), so there each stage is read on its own, in order.
        groups = [
            ((order, process), Q(stage_id=pk))
            for pk, order, process in Stage.objects.order_by("order", "process_id").values_list(
                "pk", "order", "process_id"
            )
        ]
    by_offset = bool(offset) and start is None
    # The whole visible set is read by a page without parts, or one by offset (which reads every
    # skipped row); a rep's page by cursor reads only its parts, so it is not built for them.
    whole = (
        apply_filters(opportunities_for(user, Opportunity.objects.all(), in_sort_order=True), filters)
        if parts is None or by_offset
        else Opportunity.objects.none()
    )
    seek = Seek(whole, sort_key, descending=descending, groups=groups, parts=parts)
    page = seek.offset_page(offset, limit) if by_offset else seek.page(start, limit)
    ids = [pk for pk, _value in page.rows]
    fields, related = row_fields or _page_row_fields()
    read = id_rows(
        ("pipeline rows", fields, tuple(related.items())),
        Opportunity,
        lambda some: (
            Opportunity.objects.filter(pk__in=some)
            .order_by()
            .values_list(*loaded.lookups(Opportunity, fields, related))
        ),
        ids,
    )
    found = {o.pk: o for o in loaded.records(Opportunity, read, fields, related, read_alias(Opportunity))}
    rows = [found[pk] for pk in ids if pk in found]
    attach_key_contacts(rows, contacts_attr)
    return PipelinePage(
        rows=rows,
        sort=sort,
        next_cursor=encode_cursor(page.next, scope) if page.next else None,
        previous_cursor=encode_cursor(page.previous, scope) if page.previous else None,
    )


def attach_relationship_scores(
    opportunities: list[Opportunity],
    contacts_attr: str = "key_contacts",
    requirements: Requirements | None = None,
) -> list[Opportunity]:
    """Set `relationship` (score and gaps) on each opportunity from its prefetched decision chain.

    The chain rows must already carry `company_level` (see `key_contacts_prefetch`); the requirements are
    loaded once for the whole list, so no row costs a query of its own.
    """
    if not opportunities:
        return opportunities
    requirements = requirements or Requirements()
    for opportunity in opportunities:
        entries = entries_from_prefetch(getattr(opportunity, contacts_attr, None) or [])
        opportunity.relationship = evaluate(opportunity.stage, entries, requirements)  # type: ignore[attr-defined]
    return opportunities


def attach_look_ahead(
    opportunities: list[Opportunity],
    contacts_attr: str = "key_contacts",
    requirements: Requirements | None = None,
) -> list[Opportunity]:
    """Set `relationship_ahead` (kam.relationships.scoring.look_ahead: the next stage's unmet
    requirements, a weak decision maker while the sign date is near, one side only) from the
    prefetched decision chain, as `attach_relationship_scores` sets the score."""
    if not opportunities:
        return opportunities
    requirements = requirements or Requirements()
    for opportunity in opportunities:
        entries = entries_from_prefetch(getattr(opportunity, contacts_attr, None) or [])
        opportunity.relationship_ahead = look_ahead(opportunity, entries, requirements)  # type: ignore[attr-defined]
    return opportunities


# The deal team form groups ranks as high / middle (mid-high and middle) / low.
RANK_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("high", (Rank.HIGH.value,)),
    ("mid", (Rank.MID_HIGH.value, Rank.MID.value)),
    ("low", (Rank.LOW.value,)),
)


def relationship_summary(customer_id: int) -> list[dict[str, Any]]:
    """Per rank group, the best company CR level held among the customer's contacts (one aggregate query)."""
    best = dict(
        Relationship.objects.filter(contact__customer_id=customer_id)
        .values("contact__rank")
        .annotate(best=Max("level"))
        .order_by()
        .values_list("contact__rank", "best")
    )
    labels = {"high": _("High"), "mid": _("Mid"), "low": _("Low")}
    summary = []
    for key, ranks in RANK_GROUPS:
        levels = [best[rank] for rank in ranks if best.get(rank)]
        summary.append({"rank": key, "label": labels[key], "level": max(levels) if levels else None})
    return summary


CENT = Decimal("0.01")


@dataclass(frozen=True)
class RollupScope:
    """The rollup cells a filter selects, as the few values that decide them: whose cells (a
    director's all, or a user's own and their managed teams'), and the filter's owner, team
    subtree, stage, status, process and sign months.

    For a manager or rep, the deals they see only through a deal team, owned by someone whose
    cells they do not see, cannot be attributed by the owners' rollups: those come from the team
    rollup (the user's cells under the same filter, less the owners a manager already sees) and
    are added per stage. `by_stage` reads both in one statement, kept compiled per shape
    (kam.core.statements.value_rows): on every list request the ORM would otherwise build and
    compile a union of two grouped reads with joins, about as long as running it."""

    monthly: bool  # a sign period: the pipeline rollup (by month); else the stage rollup
    user_id: int | None  # None: every cell (a director)
    teams: tuple[int, ...] = ()  # the teams the user manages (subtrees)
    owner: int | None = None
    subtree: tuple[int, ...] = ()  # the team filter's teams
    stage: int | None = None
    status: str | None = None
    process: int | None = None
    months: tuple[int, int] | None = None  # sign months as yyyymm, both ends included

    def _values(self) -> list[int]:
        """The scope's integers, in the order `_holding` puts them back."""
        values = [self.user_id, *self.teams] if self.user_id is not None else []
        values += [self.owner] if self.owner is not None else []
        values += self.subtree
        values += [self.stage] if self.stage is not None else []
        values += [self.process] if self.process is not None else []
        values += self.months or ()
        return values

    def _holding(self, values: list[int]) -> RollupScope:
        """The same scope with `values` (the compiler's stand-ins) in place of its integers."""
        taken = iter(values)
        user_id = next(taken) if self.user_id is not None else None
        teams = tuple(next(taken) for _ in self.teams)
        owner = next(taken) if self.owner is not None else None
        subtree = tuple(next(taken) for _ in self.subtree)
        stage = next(taken) if self.stage is not None else None
        process = next(taken) if self.process is not None else None
        months = (next(taken), next(taken)) if self.months else None
        return replace(
            self,
            user_id=user_id,
            teams=teams,
            owner=owner,
            subtree=subtree,
            stage=stage,
            process=process,
            months=months,
        )

    def _filtered(self, cells: QuerySet[Any], process_field: str) -> QuerySet[Any]:
        if self.owner is not None:
            cells = cells.filter(owner_id=self.owner)
        if self.subtree:
            cells = cells.filter(owner__team_id__in=self.subtree)
        if self.stage is not None:
            cells = cells.filter(stage_id=self.stage)
        if self.status:
            cells = cells.filter(status=self.status)
        if self.process is not None:
            cells = cells.filter(**{process_field: self.process})
        if self.months:
            cells = cells.filter(sign_month__range=self.months)
        return cells

    def cells(self) -> QuerySet[PipelineRollup] | QuerySet[StageRollup]:
        """The owners' cells."""
        table: type[PipelineRollup] | type[StageRollup] = PipelineRollup if self.monthly else StageRollup
        visible = Q()
        if self.user_id is not None:
            visible = Q(owner_id=self.user_id)
            if self.teams:
                visible |= Q(owner__team_id__in=self.teams)
        return self._filtered(table.objects.filter(visible), "process_id")

    def extra(self) -> QuerySet[TeamRollup] | None:
        """The user's team rollup cells on deals owned by someone they do not see (None for a
        director: there are none)."""
        if self.user_id is None:
            return None
        team = TeamRollup.objects.filter(user_id=self.user_id)
        if self.teams:
            team = team.exclude(owner__team_id__in=self.teams)
        return self._filtered(team, "stage__process_id")

    def by_stage(self) -> list[tuple[int, int, int, int]]:
        """(stage id, probability, count, expected amount in thousandths) per stage, in one query:
        for a manager or rep the owners' cells and their team rollup's cells together (UNION ALL),
        added up here. A user on no deal team elsewhere has no such team cells."""
        values = self._values()
        size = len(values)
        parts = 1 if self.user_id is None else 2  # each part of the union holds its own values
        shape = (
            "rollup by stage",
            self.monthly,
            self.user_id is None,
            len(self.teams),
            self.owner is not None,
            len(self.subtree),
            self.stage is not None,
            self.status,
            self.process is not None,
            self.months is not None,
        )

        def build(stand_ins: list[int]) -> QuerySet[Any]:
            rows = _per_stage(self._holding(stand_ins[:size]).cells())
            extra = self._holding(stand_ins[size:]).extra() if parts == 2 else None
            return rows if extra is None else rows.union(_per_stage(extra), all=True)

        table = PipelineRollup if self.monthly else StageRollup
        rows = value_rows(shape, table, build, values * parts)
        stages: dict[int, list[int]] = {}
        for stage_id, probability, n, milli in rows:
            cell = stages.setdefault(stage_id, [probability, 0, 0])
            cell[1] += int(n or 0)
            cell[2] += int(milli or 0)
        return [(stage_id, p, n, milli) for stage_id, (p, n, milli) in stages.items()]


def _per_stage(cells: QuerySet[Any]) -> QuerySet[Any]:
    """(stage id, probability, count, thousandths) of rollup cells, grouped by stage."""
    return (
        cells.values("stage_id", "stage__probability")
        .order_by()
        .annotate(n=Sum("count"), milli=Sum("amount_milli"))
        .values_list("stage_id", "stage__probability", "n", "milli")
    )


def rollup_viewer(user: User) -> tuple[int | None, tuple[int, ...]] | None:
    """Whose rollup cells a user sees: (None, ()) for everything (a director), else the user's id
    and the teams they manage (whose owners' cells they see too); None when they see nothing."""
    if not (user.is_authenticated and user.is_active):
        return None
    if user.sees_everything:
        return None, ()
    return user.pk, tuple(managed_team_ids(user))


def rollup_visibility(user: User) -> tuple[Q, QuerySet[OpportunityMember] | None] | None:
    """Which rollup cells a user sees, as a condition on their owner (every rollup has one), and the
    user's deal team memberships on deals owned by someone they do not see (None for a director:
    there are none); None when the user sees nothing (inactive)."""
    viewer = rollup_viewer(user)
    if viewer is None:
        return None
    user_id, teams = viewer
    if user_id is None:
        return Q(), None
    elsewhere = memberships_elsewhere(user)
    visible = Q(owner_id=user_id)
    if teams:
        elsewhere = elsewhere.exclude(opportunity__owner__team_id__in=teams)
        visible |= Q(owner__team_id__in=teams)
    return visible, elsewhere


def rollup_cells(user: User, filters: PipelineFilters) -> RollupScope | None:
    """The pipeline rollup's cells for this user and filter, or None when the rollup cannot say.

    The rollup knows owner (and so team), stage, status, process and sign month; not customer,
    text, completeness or flags. Visibility: everything for directors; owners for the rest, plus
    the deals a manager or rep sees only through a deal team, read live (RollupScope.extra).
    """
    if filters.customer or filters.q or filters.incomplete or filters.flagged:
        return None
    viewer = rollup_viewer(user)
    if viewer is None:
        return None
    user_id, teams = viewer
    parsed = parse_quarter(filters.sign_quarter) if filters.sign_quarter else None
    months = None
    if parsed:
        start, end = quarter_bounds(*parsed)
        months = (start.year * 100 + start.month, end.year * 100 + end.month)
    return RollupScope(
        # Without a sign period the stage rollup (summed over months) answers with far fewer cells.
        monthly=parsed is not None,
        user_id=user_id,
        teams=teams,
        owner=filters.owner or None,
        subtree=tuple(team_subtree_ids([filters.team])) if filters.team else (),
        stage=filters.stage or None,
        status=filters.status if filters.status and filters.status != "all" else None,
        months=months,
    )


def pipeline_totals(
    user: User, filters: PipelineFilters, *, use_rollup: bool = True, exact: bool = False
) -> dict[str, Any]:
    """Count, expected and weighted amount of every matching opportunity (all pages).

    From the rollup when it can answer; otherwise from the rows, reading at most COUNT_LIMIT + 1
    of them (unless `exact`): past that, `count` is COUNT_LIMIT, `count_is_lower_bound` is true
    ("more than N") and the amounts are None, so no request sums the whole table.
    """
    count_limit = None if exact else COUNT_LIMIT
    scope = rollup_cells(user, filters) if use_rollup else None
    by_stage = scope.by_stage() if scope is not None else None
    if by_stage is not None:
        milli = sum(m for _s, _p, _n, m in by_stage)
        weighted = sum((Decimal(m) * p for _s, p, _n, m in by_stage), Decimal(0))
        return {
            "count": sum(n for _s, _p, n, _m in by_stage),
            "amount": (Decimal(milli) / 1000).quantize(CENT),
            "weighted": (weighted / 100000).quantize(CENT),
            "count_is_lower_bound": False,
        }
    qs = apply_filters(scoped_opportunities(user), filters).order_by()
    if count_limit is not None:
        # Aggregated over a LIMITed subquery: one statement, bounded whatever the filter.
        qs = qs[: count_limit + 1]
    totals = qs.aggregate(count=Count("id"), total=Sum(EXPECTED_AMOUNT), weighted=Sum(WEIGHTED_AMOUNT))
    count = totals["count"] or 0
    if count_limit is not None and count > count_limit:
        return {"count": count_limit, "amount": None, "weighted": None, "count_is_lower_bound": True}
    return {
        "count": count,
        "amount": (totals["total"] or Decimal("0")).quantize(CENT),
        "weighted": (totals["weighted"] or Decimal("0")).quantize(CENT),
        "count_is_lower_bound": False,
    }


BOARD_CARD_FIELDS = (
    "id",
    "name",
    "project_number",
    "version",
    "status",
    "stage_id",
    "sign_date",
    "sign_date_precision",
    "amount",
    "amount_low",
    "amount_high",
    "health_rank",
    "customer__name",
    "customer__short_name",
    "owner__name",
    "owner__username",
)


@dataclass(slots=True)
class BoardCard:
    """A card on the board: the few fields it shows, read as values. A full board has ~240 cards;
    building an opportunity, a customer and an owner instance for each cost more than reading them."""

    pk: int
    name: str
    project_number: str
    version: int
    status: str
    stage_id: int
    sign_date: dt.date | None
    sign_date_precision: str
    amount: Decimal | None
    amount_low: Decimal | None
    amount_high: Decimal | None
    health_rank: int
    customer: str
    owner: str
    health_flags: list[Any] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def sign_date_display(self) -> str:
        return sign_date_label(self.sign_date, self.sign_date_precision)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BoardCard:
        return cls(
            pk=row["id"],
            name=row["name"],
            project_number=row["project_number"],
            version=row["version"],
            status=row["status"],
            stage_id=row["stage_id"],
            sign_date=row["sign_date"],
            sign_date_precision=row["sign_date_precision"],
            amount=row["amount"],
            amount_low=row["amount_low"],
            amount_high=row["amount_high"],
            health_rank=row["health_rank"],
            # The names as str(Customer) and str(User) give them.
            customer=row["customer__short_name"] or row["customer__name"],
            owner=row["owner__name"] or row["owner__username"],
        )


def board_columns(
    user: User,
    filters: PipelineFilters,
    process_id: int,
    per_column: int = 30,
    *,
    use_rollup: bool = True,
) -> list[dict[str, Any]]:
    """Stage columns with count and amount per column (the rollup when it can say, else SQL over
    the rows), and at most `per_column` cards each."""
    stages = list(Stage.objects.filter(process_id=process_id).order_by("order"))
    # The board shows open deals unless a status is chosen.
    filtered = apply_filters(scoped_opportunities(user), filters)
    if not filters.status:
        filtered = filtered.filter(status=OpportunityStatus.OPEN)
    scope = rollup_cells(user, filters) if use_rollup else None
    by_stage = None
    if scope is not None:
        scope = replace(scope, process=process_id)
        if not filters.status:
            scope = replace(scope, status=OpportunityStatus.OPEN)
        by_stage = scope.by_stage()
    sums: dict[int, dict[str, Any]]
    if by_stage is not None:
        sums = {stage_id: {"count": n, "total": Decimal(milli) / 1000} for stage_id, _p, n, milli in by_stage}
    else:
        sums = {
            row["stage_id"]: dict(row)
            for row in filtered.filter(stage__process_id=process_id)
            .values("stage_id")
            .annotate(count=Count("id"), total=Sum(EXPECTED_AMOUNT))
            .order_by()
        }
    # One `LIMIT per_column` read per stage column (stages are few and fixed data), each an index
    # range read on opportunity_board_idx (status, stage, sign_date, id) rather than ranking every
    # open opportunity of the process with a window function to keep a few cards per column.
    # A card shows a few fields of the deal and the names of its customer and owner: values, not
    # instances. The stage is the column's (no join to the stage table for its process).
    cards = filtered.values_list(*BOARD_CARD_FIELDS)
    order = (F("sign_date").asc(nulls_last=True), F("id").asc())
    cards_by_stage: dict[int, list[BoardCard]] = {stage.pk: [] for stage in stages}
    # One statement (UNION ALL of the per-column reads, kam.core.statements.union_rows) instead of
    # one per column where the database allows it: PostgreSQL plans a statement in about a
    # millisecond, as long as it takes to run one of these reads. (SQLite plans in microseconds,
    # and refuses LIMIT inside a compound statement: one read per column there.)
    for row in union_rows(
        Opportunity,
        lambda stage_id: cards.filter(stage_id=stage_id).order_by(*order)[:per_column],
        [stage.pk for stage in stages],
    ):
        card = BoardCard.from_row(dict(zip(BOARD_CARD_FIELDS, row, strict=True)))
        cards_by_stage[card.stage_id].append(card)
    for column in cards_by_stage.values():
        column.sort(key=lambda card: (card.sign_date is None, card.sign_date, card.pk))
    return [
        {
            "stage": stage,
            "count": sums.get(stage.pk, {}).get("count", 0),
            "amount": (sums.get(stage.pk, {}).get("total") or Decimal("0")).quantize(CENT),
            "cards": cards_by_stage.get(stage.pk, []),
        }
        for stage in stages
    ]


def opportunity_detail(user: User, pk: int) -> Opportunity:
    """One opportunity the user may see, with everything its page shows; 404 otherwise."""
    qs = with_amounts(Opportunity.objects.all()).select_related(
        "customer", "owner", "stage", "stage__process", "lost_to", "customer_lead", "close_reason_choice"
    )
    return get_visible_opportunity(user, pk, queryset=qs)


def with_days_in_stage(history: list[StageChange], now: dt.datetime | None = None) -> list[StageChange]:
    """Set `days_in_stage` on each stage change (newest first, the history's order): the days the
    deal spent in the stage it entered, until the next change, or until now for the latest."""
    now = now or timezone.now()
    until = now
    for change in history:
        change.days_in_stage = days_between(change.changed_at, until)  # type: ignore[attr-defined]
        until = change.changed_at
    return history


def open_exit_criteria(opportunity: Opportunity) -> list[ExitCriterion]:
    """The exit criteria of the deal's current stage not yet checked: what a move leaves undone.
    One query."""
    return list(
        ExitCriterion.objects.filter(stage_id=opportunity.stage_id)
        .exclude(Exists(CriterionCheck.objects.filter(opportunity=opportunity, criterion_id=OuterRef("pk"))))
        .order_by("order", "id")
    )


def opportunity_page(opportunity: Opportunity) -> dict[str, Any]:
    """Everything the opportunity page shows around the record itself, in a fixed number of queries."""

    stages = list(
        Stage.objects.filter(process_id=opportunity.stage.process_id)
        .order_by("order")
        .prefetch_related(Prefetch("exit_criteria", queryset=ExitCriterion.objects.order_by("order", "id")))
    )
    current = opportunity.stage
    checked = set(
        CriterionCheck.objects.filter(opportunity=opportunity).values_list("criterion_id", flat=True)
    )
    path = []
    criteria: list[dict[str, Any]] = []
    for stage in stages:
        state = "done" if stage.order < current.order else "current" if stage.pk == current.pk else "later"
        path.append({"stage": stage, "state": state})
        if stage.pk == current.pk:
            criteria = [{"criterion": c, "checked": c.pk in checked} for c in stage.exit_criteria.all()]
    contact_roles = list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .annotate(company_level=company_level_subquery())
        .order_by("contact__rank", "decision_role")
    )
    history = list(
        StageChange.objects.filter(opportunity=opportunity).select_related(
            "from_stage", "to_stage", "changed_by"
        )
    )
    return {
        "path": path,
        "criteria": criteria,
        "history": with_days_in_stage(history),
        "changes": list(opportunity.changes.select_related("changed_by")[:100]),
        "members": list(
            OpportunityMember.objects.filter(opportunity=opportunity)
            .select_related("user")
            .order_by("role", "id")
        ),
        "contact_roles": contact_roles,
        "relationship": evaluate(opportunity.stage, entries_from_prefetch(contact_roles), Requirements()),
        "relationship_summary": relationship_summary(opportunity.customer_id),
        "competitors": list(
            OpportunityCompetitor.objects.filter(opportunity=opportunity)
            .select_related("competitor")
            .order_by("competitor__name")
        ),
    }


def attach_win_predictions(opportunities: list[Opportunity]) -> list[Opportunity]:
    """Set `win_prediction` on each open opportunity: the active learned model's stored prediction
    (kam.insights.learning), or None. One query for the whole page, none when no model is active."""
    if not opportunities:
        return opportunities
    found = {
        p.opportunity_id: p
        for p in WinPrediction.objects.filter(
            opportunity_id__in=[o.pk for o in opportunities if o.is_open], model__active=True
        ).only("opportunity_id", "probability", "factors")
    }
    for opportunity in opportunities:
        opportunity.win_prediction = found.get(opportunity.pk)  # type: ignore[attr-defined]
    return opportunities


def win_prediction(opportunity: Opportunity) -> WinPrediction | None:
    """The active learned model's prediction for an open opportunity (one query), or None."""
    if not opportunity.is_open:
        return None
    return (
        WinPrediction.objects.filter(opportunity_id=opportunity.pk, model__active=True)
        .only("opportunity_id", "probability", "factors")
        .first()
    )
