"""Keep, check and rebuild the rollups (kam.opportunities.models.PipelineRollup, StageRollup,
ForecastRollup, FunnelRollup).

Every service that creates, edits, moves, closes or deletes opportunities calls `track` (or
`add_new` / `remove`) inside its transaction: the rows' cells before the write are read (and
locked on PostgreSQL), the write happens, the cells after it are read, and the difference is
applied with `INSERT … ON CONFLICT DO UPDATE SET count = count + n`, one statement per rollup
(a cell another transaction inserted meanwhile takes the addition). Cells are written in key order
(the pipeline's, the stage rollup's, the forecast rollup's, the funnel's, then the team rollup's),
so two writers never wait on each other crosswise.

The forecast rollup also depends on the stages (probability, default forecast category): a change
of either recomputes it from the pipeline rollup (`refresh_forecast`, called when a
stage is saved with other rules).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from kam.opportunities.models import (
    FORECAST_FIGURES,
    NO_SIGN_MONTH,
    ForecastCategory,
    ForecastRollup,
    FunnelRollup,
    Opportunity,
    OpportunityMember,
    OpportunityStatus,
    PipelineRollup,
    Stage,
    StageRollup,
    TeamRollup,
)

# The opportunity's columns a cell and its sums depend on.
ROLLUP_FIELDS = frozenset(
    {
        "stage",
        "status",
        "owner",
        "sign_date",
        "forecast_category",
        "amount",
        "amount_low",
        "amount_high",
        "furthest_stage_order",
    }
)
_COLUMNS = (
    "stage__process_id",
    "stage_id",
    "status",
    "owner_id",
    "sign_date",
    "forecast_category",
    "amount",
    "amount_low",
    "amount_high",
    "furthest_stage_order",
    # What the forecast rollup weighs and groups by besides the cell.
    "stage__probability",
    "stage__forecast_category",
)
Key = tuple[int, int, str, int, int, str]
# The team rollup: (member, owner, stage, status, sign month) of a deal the member does not own.
TeamKey = tuple[int, int, int, str, int]
TEAM_ROLLUP_KEY_NAMES = ("user_id", "owner_id", "stage_id", "status", "sign_month")
KEY_NAMES = ("process_id", "stage_id", "status", "owner_id", "sign_month", "forecast_category")
StageKey = tuple[int, int, str, int]
STAGE_KEY_NAMES = KEY_NAMES[:4]  # the pipeline key without sign month and forecast category
ForecastKey = tuple[int, int]
FORECAST_KEY_NAMES = ("sign_month", "owner_id")
# A stage's probability (%) and default forecast category: how the forecast rollup weighs its cells.
StageRules = dict[int, tuple[int, str]]
FunnelKey = tuple[int, int, int]
FUNNEL_KEY_NAMES = ("process_id", "owner_id", "furthest_stage_order")
TEAM_KEY_NAMES = ("opportunity_id", "user_id")


def month_key(value: Any) -> int:
    return NO_SIGN_MONTH if value is None else value.year * 100 + value.month


def expected_milli(amount: Decimal | None, low: Decimal | None, high: Decimal | None) -> int:
    """The expected amount (the amount, else the middle of the range) in thousandths."""
    if amount is not None:
        return int(Decimal(amount) * 1000)
    if low is not None and high is not None:
        return int((Decimal(low) + Decimal(high)) * 500)
    return 0


def _cell(row: dict[str, Any]) -> tuple[Key, int]:
    key = (
        row["stage__process_id"],
        row["stage_id"],
        row["status"],
        row["owner_id"],
        month_key(row["sign_date"]),
        row["forecast_category"] or "",
    )
    return key, expected_milli(row["amount"], row["amount_low"], row["amount_high"])


# Made once: an enum's `values` is a new list on every call.
_CATEGORIES = tuple(ForecastCategory.values)


def forecast_figures(key: Key, count: int, milli: int, rules: tuple[int, str]) -> tuple[int, ...] | None:
    """A pipeline cell's part of its forecast rollup row (in FORECAST_FIGURES order), or None when
    the forecast does not count it (lost, or no sign date)."""
    status, month, own_category = key[2], key[4], key[5]
    if month == NO_SIGN_MONTH:
        return None
    if status == OpportunityStatus.WON:
        return (0, count, 0, milli, 0, 0, 0, 0, 0)
    if status != OpportunityStatus.OPEN:
        return None
    probability, stage_category = rules
    category = own_category or stage_category
    by_category = tuple(milli if category == name else 0 for name in _CATEGORIES)
    return (count, 0, milli, 0, milli * probability, *by_category)


def _funnel_cell(row: dict[str, Any]) -> FunnelKey:
    return (row["stage__process_id"], row["owner_id"], row["furthest_stage_order"])


class _IdList(Aggregate):
    """The ids aggregated as one comma-separated text (GROUP_CONCAT; STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, ',')"
        )


def _team_of() -> Subquery:
    """The deal's members other than its owner, as "3,17" (NULL when none): read with the deal's
    row in the same statement, so keeping the team rollup costs no query of its own."""
    members = (
        OpportunityMember.objects.filter(opportunity_id=OuterRef("pk"), is_owner=False)
        .order_by()
        .values("opportunity_id")
        .annotate(ids=_IdList("user_id"))
        .values("ids")
    )
    return Subquery(members, output_field=CharField())


def _members(team: str | None) -> list[int]:
    """The user ids of a snapshot's `team` ("3,17")."""
    return [int(pk) for pk in team.split(",")] if team else []


def snapshot(pks: Iterable[int], *, lock: bool = True) -> list[dict[str, Any]]:
    """The rollup columns of these opportunities (and their members besides the owner, `team`);
    locked (PostgreSQL) when read before a write."""
    ids = list(pks)
    if not ids:
        return []
    qs = Opportunity.objects.filter(pk__in=ids)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs.annotate(team=_team_of()).values("pk", *_COLUMNS, "team"))


# The figures of the pipeline, stage and team rollups.
COUNT_AND_AMOUNT = ("count", "amount_milli")
# Rows per INSERT: well under SQLite's 999 parameters for the widest rollup (forecast: 11 columns).
UPSERT_BATCH = 80


def _upsert_sql(model: Any, key_names: tuple[str, ...], figures: tuple[str, ...], rows: int) -> str:
    """INSERT … ON CONFLICT (the rollup's unique key) DO UPDATE SET figure = figure + EXCLUDED.figure,
    for `rows` rows: PostgreSQL and SQLite (3.24 and later) read it alike."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = [quote(model._meta.get_field(name).column) for name in key_names]
    sums = [quote(model._meta.get_field(name).column) for name in figures]
    row = "(" + ", ".join(["%s"] * (len(keys) + len(sums))) + ")"
    added = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in sums)
    return (
        f"INSERT INTO {table} ({', '.join(keys + sums)}) VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


def _bump(
    model: Any, key_names: tuple[str, ...], figures: tuple[str, ...], cells: list[tuple[Any, ...]]
) -> None:
    """Add each cell's figures (`cells`: key values then figures, in key order) to its row, the
    missing rows inserted: one statement per UPSERT_BATCH cells. A cell another transaction
    inserted meanwhile takes the addition (the conflict clause) instead of failing; the rows are
    written in key order, so two writers never wait on each other crosswise."""
    for start in range(0, len(cells), UPSERT_BATCH):
        batch = cells[start : start + UPSERT_BATCH]
        with connection.cursor() as cursor:
            cursor.execute(
                _upsert_sql(model, key_names, figures, len(batch)), [v for cell in batch for v in cell]
            )


def apply(before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]]) -> None:
    """Subtract the rows' old contributions and add their new ones (inside the writing transaction)."""
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    stage_deltas: dict[StageKey, list[int]] = defaultdict(lambda: [0, 0])
    forecast_deltas: dict[ForecastKey, list[int]] = defaultdict(lambda: [0] * len(FORECAST_FIGURES))
    funnel_deltas: dict[FunnelKey, int] = defaultdict(int)
    team_deltas: dict[TeamKey, list[int]] = defaultdict(lambda: [0, 0])
    # The rows summed per cell, stage rules and deal team first: every figure is linear in the
    # count and the amount, and an import of 20,000 deals falls into a few hundred groups.
    groups: dict[tuple[Key, tuple[int, str], str | None], list[int]] = defaultdict(lambda: [0, 0])
    for rows, sign in ((before, -1), (after, 1)):
        for row in rows:
            key, milli = _cell(row)
            sums = groups[
                (key, (row["stage__probability"], row["stage__forecast_category"]), row.get("team"))
            ]
            sums[0] += sign
            sums[1] += sign * milli
            funnel_deltas[_funnel_cell(row)] += sign
    for (key, rules, team), (count, milli) in groups.items():
        for user_id in _members(team):
            team_sums = team_deltas[(user_id, key[3], key[1], key[2], key[4])]
            team_sums[0] += count
            team_sums[1] += milli
        deltas[key][0] += count
        deltas[key][1] += milli
        stage_deltas[key[:4]][0] += count  # type: ignore[index]
        stage_deltas[key[:4]][1] += milli  # type: ignore[index]
        figures = forecast_figures(key, count, milli, rules)
        if figures is not None:
            forecast_sums = forecast_deltas[(key[4], key[3])]
            for i, value in enumerate(figures):
                forecast_sums[i] += value
    _bump(
        PipelineRollup,
        KEY_NAMES,
        COUNT_AND_AMOUNT,
        [(*key, *deltas[key]) for key in sorted(deltas) if any(deltas[key])],
    )
    _bump(
        StageRollup,
        STAGE_KEY_NAMES,
        COUNT_AND_AMOUNT,
        [(*key, *stage_deltas[key]) for key in sorted(stage_deltas) if any(stage_deltas[key])],
    )
    _bump(
        ForecastRollup,
        FORECAST_KEY_NAMES,
        tuple(FORECAST_FIGURES),
        [(*key, *forecast_deltas[key]) for key in sorted(forecast_deltas) if any(forecast_deltas[key])],
    )
    _bump(
        FunnelRollup,
        FUNNEL_KEY_NAMES,
        ("count",),
        [(*key, funnel_deltas[key]) for key in sorted(funnel_deltas) if funnel_deltas[key]],
    )
    _bump(
        TeamRollup,
        TEAM_ROLLUP_KEY_NAMES,
        COUNT_AND_AMOUNT,
        [(*key, *team_deltas[key]) for key in sorted(team_deltas) if any(team_deltas[key])],
    )


@contextmanager
def track(pks: Iterable[int]) -> Iterator[None]:
    """Around a write to existing opportunities (or to their deal teams), inside its transaction."""
    ids = list(pks)
    before = snapshot(ids)
    yield
    after = snapshot(ids, lock=False)
    apply(before, after)
    _copy_deal_teams(before, after)


def add_new(pks: Iterable[int]) -> None:
    """After creating opportunities, inside the creating transaction."""
    after = snapshot(pks, lock=False)
    apply([], after)
    _copy_deal_teams([], after)


def _copy_deal_teams(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """Write `Opportunity.deal_team` of the deals whose team (less the owner) the write changed:
    every change to a deal team and every change of owner happens inside `track`, as the team
    rollup needs. One UPDATE per changed deal; most writes change none."""
    was = {row["pk"]: sorted(_members(row["team"])) for row in before}
    for row in after:
        team = sorted(_members(row["team"]))
        if team != was.get(row["pk"], []):
            Opportunity.objects.filter(pk=row["pk"]).update(deal_team=team)


def remove(rows: list[dict[str, Any]]) -> None:
    """After deleting opportunities whose `snapshot` was taken before the delete."""
    apply(rows, [])


# Check and rebuild -------------------------------------------------------------------------------


def _grouped_sums(
    rows: Any, names: tuple[str, ...], deal: str = ""
) -> Iterator[tuple[tuple[Any, ...], int, int]]:
    """(the values of `names` and the sign month key, count, expected amount in thousandths) per
    group of `rows` (one GROUP BY); `deal` is the path to the opportunity ("opportunity__" from a
    deal-team row)."""
    month = Coalesce(
        ExtractYear(f"{deal}sign_date") * 100 + ExtractMonth(f"{deal}sign_date"), Value(NO_SIGN_MONTH)
    )
    grouped = (
        rows.annotate(rollup_month=month)
        .values_list(*names, "rollup_month")
        .annotate(
            n=Count("id"),
            amount_sum=Sum(f"{deal}amount"),
            range_sum=Sum(
                F(f"{deal}amount_low") + F(f"{deal}amount_high"), filter=Q(**{f"{deal}amount__isnull": True})
            ),
        )
        .order_by()
    )
    for *values, month_key_, n, amount_sum, range_sum in grouped:
        milli = int(Decimal(amount_sum or 0) * 1000) + int(Decimal(range_sum or 0) * 500)
        yield (*values, int(month_key_)), n, milli


def live_cells(opportunity_model: Any = Opportunity) -> dict[Key, tuple[int, int]]:
    """Every non-empty cell computed from the opportunities themselves (one GROUP BY)."""
    cells: dict[Key, tuple[int, int]] = {}
    names = ("stage__process_id", "stage_id", "status", "owner_id", "forecast_category")
    for (process, stage, status, owner, category, month), n, milli in _grouped_sums(
        opportunity_model.objects.all(), names
    ):
        key = (process, stage, status, owner, month, category or "")
        count, total = cells.get(key, (0, 0))
        cells[key] = (count + n, total + milli)
    return cells


def _summed(cells: dict[Key, tuple[int, int]], key_of: Callable[[Key], Any]) -> dict[Any, tuple[int, int]]:
    """The pipeline cells summed by a coarser key (a derived rollup's cells), empty sums dropped."""
    summed: dict[Any, tuple[int, int]] = {}
    for key, (count, milli) in cells.items():
        coarse = key_of(key)
        before = summed.get(coarse, (0, 0))
        summed[coarse] = (before[0] + count, before[1] + milli)
    return {key: sums for key, sums in summed.items() if sums != (0, 0)}


def stage_cells(cells: dict[Key, tuple[int, int]]) -> dict[StageKey, tuple[int, int]]:
    """The pipeline cells summed over sign months and forecast categories (the stage rollup's)."""
    return _summed(cells, lambda key: key[:4])


def stage_rules(stage_model: Any = Stage) -> StageRules:
    """Every stage's probability and default forecast category (one query over a small table)."""
    return {
        pk: (probability, category)
        for pk, probability, category in stage_model.objects.values_list(
            "pk", "probability", "forecast_category"
        )
    }


def forecast_cells(
    cells: dict[Key, tuple[int, int]], rules: StageRules
) -> dict[ForecastKey, tuple[int, ...]]:
    """The forecast rollup's rows made from pipeline cells and the stages' rules, empty rows dropped."""
    rows: dict[ForecastKey, list[int]] = {}
    for key, (count, milli) in cells.items():
        figures = forecast_figures(key, count, milli, rules[key[1]])
        if figures is None:
            continue
        sums = rows.setdefault((key[4], key[3]), [0] * len(FORECAST_FIGURES))
        for i, value in enumerate(figures):
            sums[i] += value
    return {key: tuple(sums) for key, sums in rows.items() if any(sums)}


def _stored(model: Any, names: tuple[str, ...]) -> dict[Any, tuple[int, int]]:
    """A rollup's non-empty cells as {key: (count, amount in thousandths)}."""
    rows = model.objects.exclude(count=0, amount_milli=0).values_list(*names, "count", "amount_milli")
    return {tuple(row[:-2]): (row[-2], row[-1]) for row in rows}


def stored_forecast_cells(forecast_model: Any = ForecastRollup) -> dict[ForecastKey, tuple[int, ...]]:
    rows = forecast_model.objects.values_list(*FORECAST_KEY_NAMES, *FORECAST_FIGURES)
    return {(row[0], row[1]): tuple(row[2:]) for row in rows if any(row[2:])}


def stored_stage_cells(stage_model: Any = StageRollup) -> dict[StageKey, tuple[int, int]]:
    return _stored(stage_model, STAGE_KEY_NAMES)


def stored_cells(rollup_model: Any = PipelineRollup) -> dict[Key, tuple[int, int]]:
    return _stored(rollup_model, KEY_NAMES)


def live_team_cells(member_model: Any = OpportunityMember) -> dict[TeamKey, tuple[int, int]]:
    """The team rollup's cells computed from the deal teams and their deals (one GROUP BY)."""
    names = ("user_id", "opportunity__owner_id", "opportunity__stage_id", "opportunity__status")
    return {
        key: (n, milli)
        for key, n, milli in _grouped_sums(
            member_model.objects.filter(is_owner=False), names, "opportunity__"
        )
    }


def stored_team_cells(team_model: Any = TeamRollup) -> dict[TeamKey, tuple[int, int]]:
    return _stored(team_model, TEAM_ROLLUP_KEY_NAMES)


def live_funnel_cells(opportunity_model: Any = Opportunity) -> dict[FunnelKey, tuple[int]]:
    """Every non-empty funnel cell computed from the opportunities themselves (one GROUP BY)."""
    rows = (
        opportunity_model.objects.values("stage__process_id", "owner_id", "furthest_stage_order")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("stage__process_id", "owner_id", "furthest_stage_order", "n")
    )
    return {(process, owner, order): (n,) for process, owner, order, n in rows}


def stored_funnel_cells(funnel_model: Any = FunnelRollup) -> dict[FunnelKey, tuple[int]]:
    rows = funnel_model.objects.exclude(count=0).values_list(*FUNNEL_KEY_NAMES, "count")
    return {(process, owner, order): (n,) for process, owner, order, n in rows}


@dataclass
class Difference:
    key: tuple[Any, ...]
    stored: tuple[int, ...] | None
    live: tuple[int, ...] | None
    rollup: str = "pipeline"

    def __str__(self) -> str:
        names = {
            "pipeline": KEY_NAMES,
            "forecast": FORECAST_KEY_NAMES,
            "stage": STAGE_KEY_NAMES,
            "deal team": TEAM_KEY_NAMES,
            "team": TEAM_ROLLUP_KEY_NAMES,
            "deal team copy": ("opportunity_id",),
        }.get(self.rollup, FUNNEL_KEY_NAMES)
        cell = ", ".join(f"{name}={value}" for name, value in zip(names, self.key, strict=True))

        def show(sums: tuple[int, ...] | None) -> str:
            if sums is None:
                return "none"
            if self.rollup == "deal team":
                return f"is_owner {bool(sums[0])}"
            if self.rollup == "deal team copy":
                return f"members {list(sums)}"
            if self.rollup == "forecast":
                return ", ".join(
                    f"{name} {value}" for name, value in zip(FORECAST_FIGURES, sums, strict=True)
                )
            if len(sums) == 1:
                return f"count {sums[0]}"
            return f"count {sums[0]}, amount {Decimal(sums[1]) / 1000}"

        return f"{self.rollup} rollup {cell}: stored {show(self.stored)}, live {show(self.live)}"


def _differences(stored: dict[Any, Any], live: dict[Any, Any], rollup: str) -> list[Difference]:
    return [
        Difference(key, stored.get(key), live.get(key), rollup)
        for key in sorted(stored.keys() | live.keys())
        if stored.get(key) != live.get(key)
    ]


def _owns() -> Exists:
    return Exists(Opportunity.objects.filter(pk=OuterRef("opportunity_id"), owner_id=OuterRef("user_id")))


def owner_flag_differences() -> list[Difference]:
    """The deal-team rows whose `is_owner` is not what the deal's owner says (a rep's deals
    elsewhere, their totals and their list, are told apart by it)."""
    wrong = OpportunityMember.objects.annotate(owns=_owns()).filter(
        Q(is_owner=True, owns=False) | Q(is_owner=False, owns=True)
    )
    return [
        Difference((opportunity_id, user_id), (int(flag),), (int(not flag),), "deal team")
        for opportunity_id, user_id, flag in wrong.order_by("opportunity_id", "user_id").values_list(
            "opportunity_id", "user_id", "is_owner"
        )
    ]


def fix_owner_flags(members: QuerySet[OpportunityMember] | None = None) -> int:
    """Set the deal-team rows' `is_owner` from their deal's owner (every row, or those of
    `members`); returns how many changed. The rows themselves stay."""
    members = OpportunityMember.objects.all() if members is None else members
    return members.filter(is_owner=True).exclude(_owns()).update(is_owner=False) + members.filter(
        _owns(), is_owner=False
    ).update(is_owner=True)


def verify() -> list[Difference]:
    """The cells where a rollup and the live opportunities disagree (empty: they agree), and the
    deal-team rows whose owner flag is wrong."""
    live = live_cells()
    return (
        _differences(stored_cells(), live, "pipeline")
        + _differences(stored_stage_cells(), stage_cells(live), "stage")
        + _differences(stored_forecast_cells(), forecast_cells(live, stage_rules()), "forecast")
        + _differences(stored_funnel_cells(), live_funnel_cells(), "funnel")
        + _differences(stored_team_cells(), live_team_cells(), "team")
        + owner_flag_differences()
        + deal_team_differences()
    )


def rebuild(
    opportunity_model: Any = Opportunity,
    rollup_model: Any = PipelineRollup,
    funnel_model: Any = None,
    stage_model: Any = None,
    forecast_model: Any = None,
    stage_rule_model: Any = None,
) -> int:
    """Replace the rollups with the cells computed from the opportunities (and set the deal-team
    rows' owner flags from the deals); returns the pipeline rollup's cell count.

    Takes the model classes so a migration can run it on its historical models: the pipeline rollup
    always, the funnel, stage and forecast rollups when their models are given (the forecast rollup
    with the Stage model its rules come from). Called on the current models (no argument) it
    rebuilds all four; a migration from before the funnel, stage or forecast rollup existed passes
    only the models it has and so leaves the later tables (not created yet) alone."""
    if opportunity_model is Opportunity:
        funnel_model = funnel_model or FunnelRollup
        stage_model = stage_model or StageRollup
        forecast_model = forecast_model or ForecastRollup
        stage_rule_model = stage_rule_model or Stage
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers wait until the new cells are in (SQLite runs one writer at a time anyway).
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{opportunity_model._meta.db_table}" IN SHARE MODE')
        cells = live_cells(opportunity_model)
        _fill(rollup_model, KEY_NAMES, cells)
        if forecast_model is not None:
            fill_forecast_rollup(forecast_model, cells, stage_rules(stage_rule_model))
        if stage_model is not None:
            fill_stage_rollup(stage_model, cells)
        if funnel_model is not None:
            _fill_funnel(opportunity_model, funnel_model)
        if opportunity_model is Opportunity:
            fix_owner_flags()
            # After the flags: the team rollup and the deals' copies hold the members who do not
            # own the deal.
            fill_team_rollup(OpportunityMember, TeamRollup)
            fill_deal_teams(Opportunity, OpportunityMember)
    return len(cells)


def _live_team_sql(member_model: Any) -> str:
    """SQL for the deal team (less the owner) of the opportunity row `o`, as JSON like the one
    `deal_team` holds: ids ascending, `[]` for none. The owner is told by the deal's column, not
    by the rows' `is_owner`: a wrong flag is a difference of its own (`owner_flag_differences`)."""
    member = member_model._meta.db_table
    if connection.vendor == "postgresql":
        return (
            f"COALESCE((SELECT jsonb_agg(m.user_id ORDER BY m.user_id) FROM {member} m "
            "WHERE m.opportunity_id = o.id AND m.user_id <> o.owner_id), '[]'::jsonb)"
        )
    # SQLite's json_group_array keeps the order of the rows it is given; over none it gives [].
    return (
        f"(SELECT json_group_array(t.user_id) FROM (SELECT m.user_id FROM {member} m "
        "WHERE m.opportunity_id = o.id AND m.user_id <> o.owner_id ORDER BY m.user_id) t)"
    )


def _team_differs_sql(member_model: Any) -> str:
    """SQL true when the opportunity row `o`'s copy of its team is not its member rows'."""
    if connection.vendor == "postgresql":
        return f"o.deal_team IS DISTINCT FROM {_live_team_sql(member_model)}"
    # SQLite keeps the JSON as Django wrote it ("[3, 17]"); json() gives it as json_group_array does.
    return f"json(o.deal_team) IS NOT {_live_team_sql(member_model)}"


def fill_deal_teams(opportunity_model: Any, member_model: Any) -> int:
    """Set every opportunity's `deal_team` from its member rows where it differs (one UPDATE);
    returns how many changed. Takes the model classes so a migration can run it."""
    table = opportunity_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET deal_team = {_live_team_sql(member_model)} "
            f"WHERE {_team_differs_sql(member_model)}"
        )
        return cursor.rowcount


def deal_team_differences() -> list[Difference]:
    """The opportunities whose copy of their deal team (`deal_team`) is not their member rows'."""
    table = Opportunity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, o.deal_team, {_live_team_sql(OpportunityMember)} FROM {table} AS o "
            f"WHERE {_team_differs_sql(OpportunityMember)} ORDER BY o.id"
        )
        found = cursor.fetchall()

    def ids(value: Any) -> tuple[int, ...]:
        return tuple(json.loads(value) if isinstance(value, str) else value or ())

    return [Difference((pk,), ids(stored), ids(live), "deal team copy") for pk, stored, live in found]


def fill_team_rollup(member_model: Any, team_model: Any) -> int:
    """Replace the team rollup with the cells computed from the deal teams; returns how many."""
    return _fill(team_model, TEAM_ROLLUP_KEY_NAMES, live_team_cells(member_model))


def _fill(model: Any, names: tuple[str, ...], summed: dict[Any, tuple[int, int]]) -> int:
    """Replace a rollup's cells with these; returns how many."""
    model.objects.all().delete()
    model.objects.bulk_create(
        (
            model(**dict(zip(names, key, strict=True)), count=count, amount_milli=milli)
            for key, (count, milli) in summed.items()
        ),
        batch_size=2000,
    )
    return len(summed)


def fill_forecast_rollup(forecast_model: Any, cells: dict[Key, tuple[int, int]], rules: StageRules) -> int:
    """Replace the forecast rollup with the rows these pipeline cells make under these stage rules."""
    rows = forecast_cells(cells, rules)
    forecast_model.objects.all().delete()
    forecast_model.objects.bulk_create(
        (
            forecast_model(
                **dict(zip(FORECAST_KEY_NAMES, key, strict=True)),
                **dict(zip(FORECAST_FIGURES, figures, strict=True)),
            )
            for key, figures in rows.items()
        ),
        batch_size=2000,
    )
    return len(rows)


def refresh_forecast() -> int:
    """Recompute the forecast rollup from the pipeline rollup under the stages' current rules (a
    stage's probability or default category changed); returns its row count. In the transaction
    of the stage's save where there is one (the admin's), else in its own right after it. The
    pipeline rollup's cells are the deals already summed: at a million opportunities a quarter of
    a million cells, not a million rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers of opportunities wait (they bump the rows being replaced).
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{PipelineRollup._meta.db_table}" IN SHARE MODE')
        return fill_forecast_rollup(ForecastRollup, stored_cells(), stage_rules())


def fill_stage_rollup(stage_model: Any, cells: dict[Key, tuple[int, int]]) -> int:
    """Replace the stage rollup with these pipeline cells summed over months and categories."""
    return _fill(stage_model, STAGE_KEY_NAMES, stage_cells(cells))


def rebuild_funnel(opportunity_model: Any = Opportunity, funnel_model: Any = FunnelRollup) -> int:
    """Replace the funnel rollup only (the migration that adds it); returns its cell count."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{opportunity_model._meta.db_table}" IN SHARE MODE')
        return _fill_funnel(opportunity_model, funnel_model)


def _fill_funnel(opportunity_model: Any, funnel_model: Any) -> int:
    cells = live_funnel_cells(opportunity_model)
    funnel_model.objects.all().delete()
    funnel_model.objects.bulk_create(
        (
            funnel_model(**dict(zip(FUNNEL_KEY_NAMES, key, strict=True)), count=count)
            for key, (count,) in cells.items()
        ),
        batch_size=2000,
    )
    return len(cells)


@receiver(pre_save, sender=Stage)
def _remember_stage_rules(sender: Any, instance: Stage, raw: bool = False, **kwargs: Any) -> None:
    instance._rules_before = None  # type: ignore[attr-defined]
    if not raw and instance.pk is not None:
        instance._rules_before = (  # type: ignore[attr-defined]
            Stage.objects.filter(pk=instance.pk).values_list("probability", "forecast_category").first()
        )


@receiver(post_save, sender=Stage)
def _reweigh_forecast(sender: Any, instance: Stage, created: bool, raw: bool = False, **kwargs: Any) -> None:
    # The forecast rollup holds amounts weighed by these rules: a change of either recomputes it,
    # however the stage was saved (the admin, a script). A new stage has no deals yet.
    before = getattr(instance, "_rules_before", None)
    if not created and before is not None and before != (instance.probability, instance.forecast_category):
        refresh_forecast()
