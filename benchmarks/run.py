"""`make bench`: time the pipeline's heavy reads on a large generated data set, on SQLite and
(when BENCH_DATABASE_URL or DATABASE_URL is set) PostgreSQL.

Each scenario is timed as the median and the 95th percentile of --runs runs (goals are judged
on the p95) and printed next to the time of the single hand-written SQL statement that computes
the same numbers, so the ratio shows what the ORM, the Python around it and (for the API) the
HTTP layer cost on top of the database's own work.

Each database runs in a child process of its own: the settings pick the database once, at start.

    make bench                                    # SQLite (var/bench.sqlite3), 200,000 opportunities
    BENCH_DATABASE_URL=postgres://kam:kam@127.0.0.1:5432/kam_bench make bench
    make bench BENCH_ARGS="--opportunities 20000 --runs 3 --only sqlite"
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import machine  # noqa: E402  (after the path is set)
from benchmarks.sorts import cases as sort_cases  # noqa: E402
from benchmarks.sorts import first_page_reference  # noqa: E402

# BENCH_SQLITE_PATH keeps a large data set apart from the default one (1M takes minutes to make).
SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE_PATH") or ROOT / "var" / "bench.sqlite3")
DEFAULT_PG_DATABASE = "kam_bench"
NEEDS_REGENERATION = 3  # a child's exit code: the database holds another size

NOT_AVAILABLE = "not available yet"
LEARNING = "learning_train"  # benchmarks/learning.py: run after the scenarios, on its own database


# -- scenarios ----------------------------------------------------------------------------------


@dataclass
class Context:
    """What the scenarios share: the director (sees everything), the default process, a stage to
    filter on, and a logged-in test client for the API."""

    director: Any
    process: Any
    stage: Any
    client: Any = None
    today: Any = None
    rep: Any = None  # a rep with the most deals visible (owned or on the deal team): the rep scenarios
    rep_client: Any = None
    manager: Any = None  # the manager of a region (several teams): the manager scenarios' viewer
    manager_client: Any = None
    team: Any = None  # a team without sub-teams: the time analysis scenario's team
    month: Any = None  # the first day of the last whole month: the time analysis scenario's month


@dataclass
class Scenario:
    name: str
    label: str
    run: Callable[[Context], Any]
    numbers: Callable[[Any], Any]  # the comparable figures out of run's result (untimed)
    reference: Callable[[Context], Any] | None  # the single SQL statement, returning the same figures
    goal_ms: float | None = None
    goal_vendor: str | None = None  # the goal holds on this database only (None: on every one)
    goal_text: str = ""
    goal_ratio: float | None = None  # at most this many times the reference statement's time


class Unavailable(Exception):
    """The code a scenario times is not there (yet): report it, do not fail the run."""


def _fetch(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tables() -> dict[str, str]:
    from kam.opportunities.models import Opportunity, OpportunityMember, Stage, StageChange
    from kam.org.models import User

    return {
        "opp": Opportunity._meta.db_table,
        "stage": Stage._meta.db_table,
        "user": User._meta.db_table,
        "change": StageChange._meta.db_table,
        "member": OpportunityMember._meta.db_table,
    }


EXPECTED_SQL = "COALESCE(o.amount, (o.amount_low + o.amount_high) / 2.0)"


def money(value: Any) -> Decimal:
    """Money compared to the cent: SQLite sums decimals as floats, PostgreSQL as numeric."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def close_enough(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= max(Decimal("0.05"), abs(b) * Decimal("1e-12"))


def same_figures(got: Any, reference: Any) -> bool:
    """Equal, with money compared to the cent (SQLite sums decimals as floats)."""
    if isinstance(got, dict):
        return (
            isinstance(reference, dict)
            and set(got) == set(reference)
            and all(same_figures(got[key], reference[key]) for key in got)
        )
    if isinstance(got, list | tuple):
        return (
            isinstance(reference, list | tuple)
            and len(got) == len(reference)
            and all(same_figures(a, b) for a, b in zip(got, reference, strict=True))
        )
    if isinstance(got, Decimal):
        return close_enough(got, Decimal(reference))
    return bool(got == reference)


# Pipeline table: status open, one stage, sorted by amount (largest first), first page of 50.

PAGE = 50


def pipeline_filters(ctx: Context) -> Any:
    from kam.opportunities.selectors import PipelineFilters

    return PipelineFilters(status="open", stage=ctx.stage.pk)


def run_pipeline_page(ctx: Context) -> list[Any]:
    from kam.opportunities.selectors import attach_relationship_scores, pipeline_page

    page = pipeline_page(ctx.director, pipeline_filters(ctx), "-amount", limit=PAGE)
    return attach_relationship_scores(page.rows)


def _page_sql(stage_filter: bool) -> str:
    t = _tables()
    where = "o.status = %s" + (" AND o.stage_id = %s" if stage_filter else "")
    return (
        f"SELECT o.id FROM {t['opp']} o WHERE {where} "
        f"ORDER BY {EXPECTED_SQL} DESC NULLS LAST, o.id DESC LIMIT {PAGE}"
    )


def ref_pipeline_page(ctx: Context) -> list[int]:
    return [row[0] for row in _fetch(_page_sql(True), ["open", ctx.stage.pk])]


# Pipeline totals over every open opportunity.


def run_pipeline_totals(ctx: Context) -> dict[str, Any]:
    from kam.opportunities.selectors import PipelineFilters, pipeline_totals

    return pipeline_totals(ctx.director, PipelineFilters(status="open"))


def totals_numbers(result: dict[str, Any]) -> tuple[int, Decimal, Decimal]:
    return result["count"], money(result["amount"]), money(result["weighted"])


def ref_pipeline_totals(ctx: Context) -> tuple[int, Decimal, Decimal]:
    t = _tables()
    sql = (
        f"SELECT COUNT(*), SUM({EXPECTED_SQL}), SUM({EXPECTED_SQL} * s.probability / 100.0) "
        f"FROM {t['opp']} o JOIN {t['stage']} s ON s.id = o.stage_id WHERE o.status = %s"
    )
    count, amount, weighted = _fetch(sql, ["open"])[0]
    return count, money(amount), money(weighted)


# Board: open opportunities of the default process, count and amount per stage column (+ cards).


def run_board(ctx: Context) -> list[dict[str, Any]]:
    from kam.opportunities.selectors import PipelineFilters, board_columns

    return board_columns(ctx.director, PipelineFilters(), ctx.process.pk)


def board_numbers(columns: list[dict[str, Any]]) -> dict[int, tuple[int, Decimal]]:
    return {c["stage"].pk: (c["count"], money(c["amount"])) for c in columns if c["count"]}


def ref_board(ctx: Context) -> dict[int, tuple[int, Decimal]]:
    t = _tables()
    sql = (
        f"SELECT o.stage_id, COUNT(*), SUM({EXPECTED_SQL}) FROM {t['opp']} o "
        f"JOIN {t['stage']} s ON s.id = o.stage_id WHERE o.status = %s AND s.process_id = %s "
        "GROUP BY o.stage_id"
    )
    return {stage: (n, money(total)) for stage, n, total in _fetch(sql, ["open", ctx.process.pk])}


# API list: /api/v1/opportunities?status=open&sort=-amount&limit=50 (page + totals + count).


class ApiBody(Mapping[Any, Any]):
    """An API answer's JSON, parsed when first read: a scenario times the server's work (the goals
    are the server's), not the benchmark's own parsing of the body it checks."""

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._parsed: Any = None

    def _json(self) -> Any:
        if self._parsed is None:
            self._parsed = json.loads(self._content)
        return self._parsed

    def __getitem__(self, key: Any) -> Any:
        return self._json()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._json())

    def __len__(self) -> int:
        return len(self._json())


def _api_get(ctx: Context, path: str, params: dict[str, Any]) -> ApiBody:
    response = ctx.client.get(path, params, HTTP_HOST="localhost")
    if response.status_code == 404:
        raise Unavailable(f"{NOT_AVAILABLE} (HTTP 404 for {path})")
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.content[:300]!r}")
    return ApiBody(response.content)


def run_api_list(ctx: Context) -> Any:
    return _api_get(ctx, "/api/v1/opportunities", {"status": "open", "sort": "-amount", "limit": PAGE})


def api_list_numbers(body: Any) -> list[int]:
    return [item["id"] for item in body["items"]]


def ref_api_list(ctx: Context) -> list[int]:
    return [row[0] for row in _fetch(_page_sql(False), ["open"])]


# As a rep: the same reads scoped to the deals the rep owns or is on the deal team of
# (kam.access.visibility), the visibility predicate being what is timed.

DEAL_TEAM_SHARE = 3  # one opportunity in this many gets another rep on its deal team


def ensure_deal_teams(log: Callable[[str], None] | None = None) -> int:
    """Deal teams as the services leave them: every deal's owner leads its team (the row
    `create_opportunity` and the import write), and one opportunity in three gets a second rep as
    a member, deterministically from its id. Idempotent; a data set generated before the leaders
    were written here gets them. Returns the member rows."""
    from django.db import connection, transaction

    from kam.opportunities.models import MemberRole, Opportunity, OpportunityMember
    from kam.org.models import Role, User

    started = time.perf_counter()
    written = False
    if not OpportunityMember.objects.filter(role=MemberRole.MEMBER).exists():
        written = True
        reps = list(User.objects.filter(role=Role.REP).order_by("id").values_list("id", flat=True))
        rows = Opportunity.objects.filter(project_number__startswith="BM-").values_list("id", "owner_id")
        members = []
        for pk, owner_id in rows.iterator(chunk_size=10_000):
            if pk % DEAL_TEAM_SHARE == 0:
                user_id = reps[(pk * 7919) % len(reps)]
                if user_id != owner_id:
                    members.append(
                        OpportunityMember(opportunity_id=pk, user_id=user_id, role=MemberRole.MEMBER)
                    )
        with transaction.atomic():
            OpportunityMember.objects.bulk_create(members, batch_size=5_000)
    t = _tables()
    if not OpportunityMember.objects.filter(role=MemberRole.LEADER).exists():
        written = True
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t['member']} (opportunity_id, user_id, role, part, is_owner) "
                f"SELECT id, owner_id, %s, '', %s FROM {t['opp']} WHERE project_number LIKE 'BM-%%'",
                [MemberRole.LEADER.value, True],
            )
    if written:
        # Written past the services: the team rollup and the deals' copies of their teams are
        # filled from the deal teams once.
        from kam.opportunities.models import TeamRollup
        from kam.opportunities.rollups import fill_deal_teams, fill_team_rollup

        with transaction.atomic():
            fill_team_rollup(OpportunityMember, TeamRollup)
            fill_deal_teams(Opportunity, OpportunityMember)
        # Statistics for the planner, and (PostgreSQL) the visibility map its index-only scans of
        # the member index need.
        with connection.cursor() as cursor:
            vacuum = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
            cursor.execute(f"{vacuum} {t['member']}")
            cursor.execute(f"{vacuum} {t['opp']}")
    count = OpportunityMember.objects.count()
    if log:
        log(f"  {count:,} deal-team members: {time.perf_counter() - started:.1f} s")
    return count


def _rep_sql(select: str, tail: str = "") -> str:
    t = _tables()
    return (
        f"SELECT {select} FROM {t['opp']} o JOIN {t['stage']} s ON s.id = o.stage_id "
        f"WHERE o.status = %s AND o.id IN (SELECT id FROM {t['opp']} WHERE owner_id = %s "
        f"UNION SELECT opportunity_id FROM {t['member']} WHERE user_id = %s) {tail}"
    )


def run_rep_pipeline_page(ctx: Context) -> list[Any]:
    from kam.opportunities.selectors import PipelineFilters, attach_relationship_scores, pipeline_page

    page = pipeline_page(ctx.rep, PipelineFilters(status="open"), "-amount", limit=PAGE)
    return attach_relationship_scores(page.rows)


def ref_rep_page(ctx: Context) -> list[int]:
    sql = _rep_sql("o.id", f"ORDER BY {EXPECTED_SQL} DESC NULLS LAST, o.id DESC LIMIT {PAGE}")
    return [row[0] for row in _fetch(sql, ["open", ctx.rep.pk, ctx.rep.pk])]


def run_rep_pipeline_totals(ctx: Context) -> dict[str, Any]:
    from kam.opportunities.selectors import PipelineFilters, pipeline_totals

    return pipeline_totals(ctx.rep, PipelineFilters(status="open"))


def ref_rep_totals(ctx: Context) -> tuple[int, Decimal, Decimal]:
    sql = _rep_sql(f"COUNT(*), SUM({EXPECTED_SQL}), SUM({EXPECTED_SQL} * s.probability / 100.0)")
    count, amount, weighted = _fetch(sql, ["open", ctx.rep.pk, ctx.rep.pk])[0]
    return count, money(amount), money(weighted)


def run_rep_api_list(ctx: Context) -> Any:
    return _api_get(
        Context(ctx.rep, ctx.process, ctx.stage, client=ctx.rep_client),
        "/api/v1/opportunities",
        {"status": "open", "sort": "-amount", "limit": PAGE},
    )


def run_manager_api_list(ctx: Context) -> Any:
    if ctx.manager_client is None:
        raise Unavailable(f"{NOT_AVAILABLE} (no manager of a region in the data set)")
    return _api_get(
        Context(ctx.manager, ctx.process, ctx.stage, client=ctx.manager_client),
        "/api/v1/opportunities",
        {"status": "open", "sort": "-amount", "limit": PAGE},
    )


def run_rep_customers(ctx: Context) -> int:
    from kam.access.visibility import customers_for

    return customers_for(ctx.rep).count()


def ref_rep_customers(ctx: Context) -> int:
    from kam.customers.models import Customer

    t = _tables()
    customer = Customer._meta.db_table
    sql = (
        f"SELECT COUNT(*) FROM {customer} WHERE id IN (SELECT id FROM {customer} WHERE owner_id = %s "
        f"UNION SELECT customer_id FROM {t['opp']} WHERE owner_id = %s "
        f"UNION SELECT o.customer_id FROM {t['member']} m JOIN {t['opp']} o ON o.id = m.opportunity_id "
        "WHERE m.user_id = %s)"
    )
    return int(_fetch(sql, [ctx.rep.pk] * 3)[0][0])


# Forecast by quarter × team (kam.insights.forecast.selectors), function and API.


def _forecast_module(name: str = "selectors") -> Any:
    try:
        module = importlib.import_module(f"kam.insights.forecast.{name}")
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.insights.forecast.{name}: {error})") from error
    return module


def _need(module: Any, name: str) -> Any:
    function = getattr(module, name, None)
    if function is None:
        raise Unavailable(f"{NOT_AVAILABLE} ({module.__name__}.{name} missing)")
    return function


def run_forecast(ctx: Context) -> Any:
    return _need(_forecast_module(), "forecast")(ctx.director, "team", "quarter")


# period × team → (open count, won count, weighted, open amount, won amount)
ForecastNumbers = dict[tuple[int, Any], tuple[int, int, Decimal, Decimal, Decimal]]


def forecast_numbers(result: Any) -> ForecastNumbers:
    rows = result.rows if hasattr(result, "rows") else result
    return {
        (int(r["period_key"]), r["group_key"]): (
            int(r.get("open_count") or 0),
            int(r.get("won_count") or 0),
            money(r.get("weighted")),
            money(r.get("open_amount")),
            money(r.get("won")),
        )
        for r in rows
    }


def ref_forecast(ctx: Context) -> ForecastNumbers:
    module = _forecast_module()
    sql_of = getattr(module, "forecast_sql", None)
    if sql_of is not None:
        sql, params = sql_of("quarter")
        cursor_rows = _fetch(sql, params)
        names = [
            "period_key",
            "group_key",
            "weighted",
            "open_amount",
            *[f"category_{c}" for c in getattr(module, "CATEGORIES", ())],
            "won",
            "open_count",
            "won_count",
        ]
        if cursor_rows and len(cursor_rows[0]) != len(names):
            names = [f"c{i}" for i in range(len(cursor_rows[0]))]
        return forecast_numbers([dict(zip(names, row, strict=True)) for row in cursor_rows])
    return forecast_numbers(_own_forecast_rows())


def _own_forecast_rows() -> list[dict[str, Any]]:
    """Our own statement, used while the forecast module offers none."""
    from django.db import connection

    t = _tables()
    if connection.vendor == "sqlite":
        year = "CAST(strftime('%%Y', o.sign_date) AS INTEGER)"
        month = "CAST(strftime('%%m', o.sign_date) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM o.sign_date) AS INTEGER)"
        month = "CAST(EXTRACT(MONTH FROM o.sign_date) AS INTEGER)"
    sql = f"""SELECT ({year} * 10 + ({month} + 2) / 3), u.team_id,
  COUNT(CASE WHEN o.status = 'open' THEN 1 END), COUNT(CASE WHEN o.status = 'won' THEN 1 END),
  SUM(CASE WHEN o.status = 'open' THEN {EXPECTED_SQL} * s.probability / 100.0 END),
  SUM(CASE WHEN o.status = 'open' THEN {EXPECTED_SQL} END),
  SUM(CASE WHEN o.status = 'won' THEN {EXPECTED_SQL} END)
FROM {t["opp"]} o JOIN {t["stage"]} s ON s.id = o.stage_id JOIN {t["user"]} u ON u.id = o.owner_id
WHERE o.status IN ('open', 'won') AND o.sign_date IS NOT NULL GROUP BY 1, 2"""
    keys = ("period_key", "group_key", "open_count", "won_count", "weighted", "open_amount", "won")
    return [dict(zip(keys, row, strict=True)) for row in _fetch(sql)]


FORECAST_API = "/api/v1/insights/forecast"
FUNNEL_API = "/api/v1/insights/funnel"
HEALTH_API = "/api/v1/insights/health"


def run_forecast_api(ctx: Context) -> Any:
    """The forecast page's call: this year by quarter × team (with targets and labels)."""
    return _api_get(ctx, FORECAST_API, {"period": "year", "bucket": "quarter", "group": "team"})


def ref_forecast_year(ctx: Context) -> Any:
    """The reference statement limited to this year's sign dates, as the API call is."""
    import datetime as dt

    year = ctx.today.year
    bounds = [dt.date(year, 1, 1), dt.date(year, 12, 31)]
    module = _forecast_module()
    sql_of = getattr(module, "forecast_sql", None)
    unbounded = "o.sign_date IS NOT NULL"
    if sql_of is not None:
        sql, params = sql_of("quarter")
        if unbounded in sql:
            return _fetch(sql.replace(unbounded, "o.sign_date BETWEEN %s AND %s"), [*params, *bounds])
    t = _tables()
    sql = (
        f"SELECT u.team_id, COUNT(*), SUM({EXPECTED_SQL} * s.probability / 100.0) FROM {t['opp']} o "
        f"JOIN {t['stage']} s ON s.id = o.stage_id JOIN {t['user']} u ON u.id = o.owner_id "
        "WHERE o.status IN ('open', 'won') AND o.sign_date BETWEEN %s AND %s GROUP BY u.team_id"
    )
    return _fetch(sql, bounds)


# Funnel (kam.insights.forecast.funnel.funnel): open count and amount per stage, and how many
# opportunities reached each stage (their furthest stage reached), function and API.


def run_funnel(ctx: Context) -> Any:
    return _need(_forecast_module("funnel"), "funnel")(ctx.director, ctx.process)


def funnel_numbers(result: Any) -> dict[int, tuple[int, Decimal, int]]:
    return {s.stage.pk: (s.open_count, money(s.open_amount), s.reached) for s in result}


def ref_funnel(ctx: Context) -> dict[int, tuple[int, Decimal, int]]:
    """One statement: open count and amount per stage, and the count of opportunities whose
    furthest stage reached (Opportunity.furthest_stage_order) is at or beyond each stage."""
    t = _tables()
    sql = f"""WITH t AS (
  SELECT o.status, o.stage_id, {EXPECTED_SQL} AS expected, o.furthest_stage_order AS top
  FROM {t["opp"]} o
  JOIN {t["stage"]} s ON s.id = o.stage_id
  WHERE s.process_id = %s
), open_sums AS (
  SELECT stage_id, COUNT(*) AS n, SUM(expected) AS total FROM t WHERE status = 'open' GROUP BY stage_id
), tops AS (
  SELECT top, COUNT(*) AS n FROM t GROUP BY top
)
SELECT st.id, COALESCE(open_sums.n, 0), open_sums.total,
  (SELECT COALESCE(SUM(tops.n), 0) FROM tops WHERE tops.top >= st."order")
FROM {t["stage"]} st LEFT JOIN open_sums ON open_sums.stage_id = st.id
WHERE st.process_id = %s ORDER BY st.\"order\""""
    return {sid: (n, money(total), reached) for sid, n, total, reached in _fetch(sql, [ctx.process.pk] * 2)}


def run_funnel_api(ctx: Context) -> Any:
    return _api_get(ctx, FUNNEL_API, {})


# Health: the rules run live over every open opportunity (kam.insights.health.engine.scan_all_open,
# what a rescan and `kam health verify` pay), and the Health page and the flagged pipeline page,
# which read the stored flags. The page's per-rule counts are checked against the same one-statement
# reference as the live scan: stored and live agree.

SQL_HEALTH_RULES = ("sign_date_passed", "sign_date_near_early_stage", "four_elements_incomplete")


def run_health(ctx: Context) -> Any:
    try:
        from kam.insights.health import engine as health
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.insights.health.engine: {error})") from error
    return _need(health, "scan_all_open")()


def health_numbers(result: Any) -> dict[str, int]:
    """The per-rule counts of the rules a single SQL statement can express (the rest need the
    stage norms, the decision chain and the edit history)."""
    return {code: int(result.get(code, 0)) for code in SQL_HEALTH_RULES if code in result}


def ref_health(ctx: Context) -> dict[str, int]:
    """One pass over the open opportunities counting the flags of the rules plain SQL expresses,
    with the thresholds of the rule rows: the floor any complete scan sits on."""
    import datetime as dt

    from django.utils import timezone

    from kam.insights.models import HealthRule

    t = _tables()
    today = timezone.localdate()
    near = HealthRule.objects.filter(code="sign_date_near_early_stage").first()
    thresholds = (near.thresholds if near else {}) or {}
    days = int(thresholds.get("days", 60))
    max_order = int(thresholds.get("max_stage_order", 3))
    active = set(HealthRule.objects.filter(active=True).values_list("code", flat=True))
    sql = f"""SELECT
  SUM(CASE WHEN o.sign_date < %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN o.sign_date >= %s AND o.sign_date <= %s AND s."order" <= %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN o.sign_date IS NULL OR (o.amount IS NULL AND (o.amount_low IS NULL OR o.amount_high IS NULL))
      THEN 1 ELSE 0 END)
FROM {t["opp"]} o JOIN {t["stage"]} s ON s.id = o.stage_id WHERE o.status = %s"""
    row = _fetch(sql, [today, today, today + dt.timedelta(days=days), max_order, "open"])[0]
    return {code: int(n or 0) for code, n in zip(SQL_HEALTH_RULES, row, strict=True) if code in active}


def run_health_page(ctx: Context) -> Any:
    """What the Health page computes: counts by rule and by owner, and the first page of the list."""
    try:
        from kam.insights.health.report import HealthFilters, health_report
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.insights.health.report: {error})") from error
    return health_report(ctx.director, HealthFilters(), limit=PAGE)


def health_page_numbers(report: Any) -> dict[str, int]:
    return health_numbers({row["code"]: row["count"] for row in report["by_rule"]})


def run_flagged_page(ctx: Context) -> list[Any]:
    from kam.opportunities.selectors import PipelineFilters, pipeline_page

    page = pipeline_page(ctx.director, PipelineFilters(status="open", flagged=True), "-severity", limit=PAGE)
    return page.rows


def ref_flagged_page(ctx: Context) -> list[int]:
    t = _tables()
    sql = (
        f"SELECT o.id FROM {t['opp']} o WHERE o.status = %s AND o.health_rank > 0 "
        f"ORDER BY o.health_rank DESC, o.id DESC LIMIT {PAGE}"
    )
    return [row[0] for row in _fetch(sql, ["open"])]


def ensure_health_flags(log: Callable[[str], None] | None = None, *, rescan: bool = False) -> None:
    """The generator inserts in bulk, past the services that keep the stored flags: a full rescan
    fills them once; on a later day the nightly pass brings them to today, as in production."""
    try:
        from kam.insights.health import store
    except ImportError:
        return
    from django.utils import timezone

    from kam.insights.models import HealthScan

    last = store.last_as_of()
    started = time.perf_counter()
    if rescan or last is None or not HealthScan.objects.filter(kind="rescan", state="done").exists():
        scan = store.rescan()
        if log:
            log(
                f"  health rescan: {scan.processed:,} open opportunities, {time.perf_counter() - started:.1f} s"
            )
    elif timezone.localdate(last) != timezone.localdate():
        _scan, ids = store.nightly()
        if log:
            log(f"  health nightly pass: {len(ids):,} recomputed, {time.perf_counter() - started:.1f} s")


# Scenarios that write (inside a transaction rolled back): no single statement does their work.
WITHOUT_REFERENCE = frozenset({"health_nightly"})


def run_health_nightly(ctx: Context) -> int:
    """The nightly pass a day after the last one: the deals whose dates crossed a threshold that
    day found from the indexes and recomputed. Rolled back, so every run finds the same day."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from kam.insights.health import store

    last = store.last_as_of() or timezone.now()
    with transaction.atomic():
        _scan, ids = store.nightly(now=last + dt.timedelta(days=1), since=last)
        transaction.set_rollback(True)
    return len(ids)


def run_health_api(ctx: Context) -> Any:
    return _api_get(ctx, HEALTH_API, {})


def _same_as_function(result: Any) -> Any:
    return None  # API bodies are checked by their own tests; here only the time counts


def run_rescore(ctx: Context) -> dict[str, int]:
    from django.db.models import Count

    from kam.customers.models import Customer
    from kam.customers.scoring.engine import rescore

    rescore()
    return dict(Customer.objects.values_list("computed_tier").annotate(n=Count("id")).order_by())


def ref_rescore(ctx: Context) -> dict[str, int]:
    """Tier counts straight from the stored scores and thresholds: the rescore wrote them all."""
    rows = _fetch(
        "SELECT t.tier, COUNT(*) FROM customers_customerscore s JOIN customers_tierthreshold t"
        " ON t.scoring_model_id = s.scoring_model_id AND t.min_score = ("
        "  SELECT MAX(u.min_score) FROM customers_tierthreshold u"
        "  WHERE u.scoring_model_id = s.scoring_model_id AND u.min_score <= s.total)"
        " GROUP BY t.tier"
    )
    return {str(tier): int(count) for tier, count in rows}


# Activities: the sales time analysis of one team for one month
# (kam.activities.time.selectors.time_analysis) and the under-visited list
# (kam.activities.policy.selectors.under_visited), each against one statement computing the same
# figures.


def _activity_tables() -> dict[str, str]:
    from kam.activities.models import Activity, ActivityKind, VisitPolicy
    from kam.customers.models import Customer

    return {
        **_tables(),
        "activity": Activity._meta.db_table,
        "kind": ActivityKind._meta.db_table,
        "policy": VisitPolicy._meta.db_table,
        "customer": Customer._meta.db_table,
    }


def _moment(value: Any) -> Any:
    """An aware datetime as the database compares it (SQLite keeps UTC text; a raw parameter would
    otherwise be sent with its offset and compared as a string)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def _month_bounds(month: Any) -> tuple[Any, Any]:
    """[first day, first day of the next month) as aware local midnights, as the page filters."""
    import datetime as dt

    from django.utils import timezone

    zone = timezone.get_current_timezone()
    after = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (
        dt.datetime.combine(month, dt.time.min, tzinfo=zone),
        dt.datetime.combine(after, dt.time.min, tzinfo=zone),
    )


def run_time_analysis(ctx: Context) -> Any:
    try:
        from kam.activities.time.selectors import time_analysis
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.activities.time.selectors: {error})") from error
    return time_analysis(ctx.director, month=ctx.month, team=ctx.team)


# ("owner", owner id, category) → minutes; ("tier minutes" | "customers" | "profit", tier, "") → figure
TimeNumbers = dict[tuple[str, str, str], Any]


def _nonzero(figures: TimeNumbers) -> TimeNumbers:
    return {key: value for key, value in figures.items() if value}


def time_numbers(result: Any) -> TimeNumbers:
    figures: TimeNumbers = {}
    for rep in result.reps:
        for category, minutes in rep.minutes.items():
            figures[("owner", str(rep.key), category)] = int(minutes)
    for tier in result.tiers:
        figures[("tier minutes", tier.tier, "")] = int(tier.minutes)
        figures[("customers", tier.tier, "")] = int(tier.customers)
        figures[("profit", tier.tier, "")] = money(tier.profit)
    return _nonzero(figures)


def ref_time_analysis(ctx: Context) -> TimeNumbers:
    """One statement: the team's done activities of the month once (a CTE), summed per owner and
    time category and per customer tier; the team's customers per tier; the gross profit per tier of
    the won deals of those customers closed in the twelve months up to the month's end."""
    import datetime as dt

    t = _activity_tables()
    lower, upper = _month_bounds(ctx.month)
    year_before = upper.replace(year=upper.year - 1)
    sql = f"""WITH act AS MATERIALIZED (
  SELECT a.owner_id, a.customer_id, a.duration_minutes, k.time_category
  FROM {t["activity"]} a
  JOIN {t["kind"]} k ON k.id = a.kind_id
  WHERE a.status = 'done' AND a.start >= %s AND a.start < %s
    AND a.owner_id IN (SELECT id FROM {t["user"]} WHERE team_id = %s)
)
SELECT 'owner', CAST(owner_id AS VARCHAR(20)), time_category, SUM(duration_minutes)
  FROM act GROUP BY owner_id, time_category
UNION ALL
SELECT 'tier minutes', c.tier, '', SUM(act.duration_minutes)
  FROM act JOIN {t["customer"]} c ON c.id = act.customer_id GROUP BY c.tier
UNION ALL
SELECT 'customers', c.tier, '', COUNT(*)
  FROM {t["customer"]} c JOIN {t["user"]} u ON u.id = c.owner_id WHERE u.team_id = %s GROUP BY c.tier
UNION ALL
SELECT 'profit', c.tier, '', SUM({EXPECTED_SQL} * o.gross_margin / 100.0)
  FROM {t["opp"]} o JOIN {t["customer"]} c ON c.id = o.customer_id JOIN {t["user"]} u ON u.id = c.owner_id
  WHERE o.status = 'won' AND o.closed_at >= %s AND o.closed_at < %s AND u.team_id = %s GROUP BY c.tier"""
    assert isinstance(year_before, dt.datetime)
    moments = [_moment(lower), _moment(upper), _moment(year_before)]
    rows = _fetch(
        sql, [moments[0], moments[1], ctx.team.pk, ctx.team.pk, moments[2], moments[1], ctx.team.pk]
    )
    figures: TimeNumbers = {}
    for section, key, category, value in rows:
        figures[(section, str(key), category or "")] = (
            money(value) if section == "profit" else int(value or 0)
        )
    return _nonzero(figures)


def run_under_visited(ctx: Context) -> Any:
    """What the page reads: the count and the first page of the list (every customer, one period)."""
    try:
        from kam.activities.policy.selectors import under_visited
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.activities.policy.selectors: {error})") from error
    listed = under_visited(ctx.director, today=ctx.today)
    return listed.count(), listed[:PAGE]


def under_visited_numbers(result: Any) -> tuple[int, list[tuple[int, int, int, int]]]:
    count, rows = result
    return count, [(row.customer.pk, row.required, row.done, row.gap) for row in rows]


def ref_under_visited(ctx: Context) -> tuple[int, list[tuple[int, int, int, int]]]:
    """The policy rows (a handful, read as the code reads them), then one statement: the customers
    (not lost, not in the public pool) of each row's tier (or segment, for tiers without a row)
    with no `required`-th visit in the row's window (NOT EXISTS … LIMIT 1 OFFSET required - 1: a
    well-visited customer costs `required` index entries), their visits counted, the count of them
    (a window count) and the first page sorted by tier, largest gap, name."""
    import datetime as dt

    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    t = _activity_tables()
    zone = timezone.get_current_timezone()
    today = ctx.today
    until = _moment(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    policies = _fetch(
        f"SELECT tier, segment, visits, period_months FROM {t['policy']} ORDER BY tier, segment"
    )
    if not policies:
        return 0, []
    tiers = [tier for tier, _segment, _visits, _months in policies if tier]
    visits = (
        f"FROM {t['activity']} a WHERE a.customer_id = c.id AND a.status = 'done' "
        f"AND a.kind_id IN (SELECT id FROM {t['kind']} WHERE counts_as_visit = %s) AND a.start < %s"
    )
    short: list[str] = []
    required: list[str] = []
    since: list[str] = []
    short_params: list[Any] = []
    required_params: list[Any] = []
    since_params: list[Any] = []
    for tier, segment, count, months in policies:
        start = _moment(dt.datetime.combine(today - relativedelta(months=months), dt.time.min, tzinfo=zone))
        if tier:
            match, match_params = "c.tier = %s", [tier]
        else:
            others = ", ".join(["%s"] * len(tiers)) or "''"
            match, match_params = f"c.segment = %s AND c.tier NOT IN ({others})", [segment, *tiers]
        short.append(
            f"({match} AND NOT EXISTS (SELECT 1 {visits} AND a.start >= %s LIMIT 1 OFFSET {int(count) - 1}))"
        )
        short_params += [*match_params, True, until, start]
        required.append(f"WHEN {match} THEN {int(count)}")
        required_params += match_params
        since.append(f"WHEN {match} THEN %s")
        since_params += [*match_params, start]
    sql = f"""WITH uv AS (
  SELECT c.id, c.tier, c.name, CASE {" ".join(required)} END AS required,
    CASE {" ".join(since)} END AS since
  FROM {t["customer"]} c
  WHERE c.status <> 'lost' AND NOT c.in_pool AND ({" OR ".join(short)})
), counted AS (
  SELECT uv.id, uv.tier, uv.name, uv.required,
    (SELECT COUNT(*) {visits.replace("c.id", "uv.id")} AND a.start >= uv.since) AS done
  FROM uv
)
SELECT id, required, done, required - done, COUNT(*) OVER () FROM counted
ORDER BY tier, required - done DESC, name, id LIMIT {PAGE}"""
    rows = _fetch(sql, [*required_params, *since_params, *short_params, True, until])
    count = int(rows[0][4]) if rows else 0
    return count, [(int(i), int(r), int(d), int(g)) for i, r, d, g, _n in rows]


# Receivables aging (issue 16): the overdue outstanding of every signed contract by days past due.

AGING_KEYS = ("overdue", "0_30", "31_60", "61_90", "over_90")


def run_receivables_aging(ctx: Context) -> Any:
    try:
        from kam.delivery.payments import selectors
    except ImportError as error:
        raise Unavailable(f"{NOT_AVAILABLE} (kam.delivery.payments.selectors: {error})") from error
    return selectors.aging(selectors.receivable_contracts(ctx.director), day=ctx.today)


def aging_numbers(result: Any) -> dict[str, Decimal]:
    return {key: money(result[key]) for key in AGING_KEYS}


def ref_receivables_aging(ctx: Context) -> dict[str, Decimal]:
    """One statement: the open instalments of the signed contracts, their outstanding summed per
    bucket of days past due (1–30, 31–60, 61–90, 91 and more) and in all."""
    import datetime as dt

    from kam.delivery.models import Contract, Instalment

    day = ctx.today
    edge = [day - dt.timedelta(days=n) for n in (1, 30, 31, 60, 61, 90, 91)]
    open_amount = "i.amount - i.received"
    sql = f"""SELECT
  SUM(CASE WHEN i.due_date < %s THEN {open_amount} ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN {open_amount} ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN {open_amount} ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN {open_amount} ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s THEN {open_amount} ELSE 0 END)
FROM {Instalment._meta.db_table} i JOIN {Contract._meta.db_table} c ON c.id = i.contract_id
WHERE c.status IN ('signed', 'in_force', 'completed', 'terminated') AND i.received < i.amount"""
    row = _fetch(sql, [day, *edge])[0]
    return {key: money(value) for key, value in zip(AGING_KEYS, row, strict=True)}


SCENARIOS: list[Scenario] = [
    Scenario(
        "health_scan",
        "health scan, all open (live rules: rescan, verify)",
        run_health,
        health_numbers,
        ref_health,
        goal_ms=5000,
        goal_text="< 5 s",
    ),
    Scenario(
        "health_page",
        "Health page: counts by rule and owner, page 1 (stored)",
        run_health_page,
        health_page_numbers,
        ref_health,
        goal_ms=50,
        goal_text="< 50 ms",
    ),
    Scenario(
        "health_nightly",
        "health nightly pass, a day after the last (rolled back)",
        run_health_nightly,
        lambda n: n,
        None,
        goal_ms=60_000,
        goal_text="≤ 60 s",
    ),
    Scenario(
        "flagged_page",
        "pipeline table, flagged only, by severity, page 1",
        run_flagged_page,
        lambda page: [o.pk for o in page],
        ref_flagged_page,
        goal_ms=50,
        goal_text="< 50 ms",
    ),
    Scenario(
        "forecast",
        "forecast quarter × team (function)",
        run_forecast,
        forecast_numbers,
        ref_forecast,
    ),
    Scenario(
        "forecast_api",
        "forecast this year, quarter × team (API)",
        run_forecast_api,
        _same_as_function,
        ref_forecast_year,
        goal_ms=20,
        goal_text="≤ 20 ms",
    ),
    Scenario("funnel", "funnel (function)", run_funnel, funnel_numbers, ref_funnel),
    Scenario(
        "funnel_api",
        "funnel (API)",
        run_funnel_api,
        _same_as_function,
        ref_funnel,
        goal_ms=20,
        goal_text="≤ 20 ms",
    ),
    Scenario(
        "pipeline_page",
        "pipeline table, open + stage P3, by amount, page 1",
        run_pipeline_page,
        lambda page: [o.pk for o in page],
        ref_pipeline_page,
        goal_ms=25,
        goal_text="≤ 25 ms",
    ),
    Scenario(
        "pipeline_totals",
        "pipeline totals, all open",
        run_pipeline_totals,
        totals_numbers,
        ref_pipeline_totals,
        goal_ms=20,
        goal_text="≤ 20 ms",
    ),
    Scenario(
        "board",
        "board columns (default process)",
        run_board,
        board_numbers,
        ref_board,
        goal_ms=20,
        goal_text="≤ 20 ms",
    ),
    Scenario(
        "rescore",
        "rescore every customer (50,000+)",
        run_rescore,
        lambda counts: counts,
        ref_rescore,
        goal_ms=30_000,
        goal_vendor="sqlite",
        goal_text="< 30 s on SQLite",
    ),
    Scenario(
        "api_list",
        "API list status=open sort=-amount limit=50",
        run_api_list,
        api_list_numbers,
        ref_api_list,
        goal_ms=25,
        goal_text="≤ 25 ms",
    ),
    Scenario(
        "rep_pipeline_page",
        "as a rep: pipeline table, open, by amount, page 1",
        run_rep_pipeline_page,
        lambda page: [o.pk for o in page],
        ref_rep_page,
        goal_ms=25,
        goal_text="≤ 25 ms",
    ),
    Scenario(
        "rep_pipeline_totals",
        "as a rep: pipeline totals, all open",
        run_rep_pipeline_totals,
        totals_numbers,
        ref_rep_totals,
        goal_ms=20,
        goal_text="≤ 20 ms",
    ),
    Scenario(
        "rep_api_list",
        "as a rep: API list status=open sort=-amount limit=50",
        run_rep_api_list,
        api_list_numbers,
        ref_rep_page,
        goal_ms=25,
        goal_text="≤ 25 ms",
    ),
    Scenario(
        "manager_api_list",
        "as a manager: API list status=open sort=-amount",
        run_manager_api_list,
        api_list_numbers,
        first_page_reference("-amount", "manager"),
        goal_ms=25,
        goal_text="≤ 25 ms",
    ),
    Scenario(
        "rep_customers",
        "as a rep: visible customers (count)",
        run_rep_customers,
        lambda count: count,
        ref_rep_customers,
    ),
    Scenario(
        "time_analysis",
        "time analysis, one team and one month",
        run_time_analysis,
        time_numbers,
        ref_time_analysis,
        goal_ratio=1.5,
        goal_text="≤ 1.5× ref",
    ),
    Scenario(
        "under_visited",
        "under-visited list: count and first page",
        run_under_visited,
        under_visited_numbers,
        ref_under_visited,
        goal_ratio=1.5,
        goal_text="≤ 1.5× ref",
    ),
    Scenario(
        "receivables_aging",
        "receivables aging, every signed contract",
        run_receivables_aging,
        aging_numbers,
        ref_receivables_aging,
        goal_ratio=1.5,
        goal_text="≤ 1.5× ref",
    ),
]


# The pipeline table and the API list under every sort offered, first and 100th page
# (benchmarks/sorts.py): the figures are the page's ids, the reference the same page by
# ORDER BY … OFFSET in one statement; the goal is the 25 ms for a page.
SCENARIOS += [
    Scenario(name, label, run, numbers, reference, goal_ms=25, goal_text="≤ 25 ms")
    for name, label, run, numbers, reference in sort_cases(_api_get)
]


def make_context() -> Context:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from kam.opportunities.models import SalesProcess, Stage
    from kam.org.models import Role, Team, User

    director = User.objects.filter(role=Role.DIRECTOR, username__startswith="bench").first()
    director = director or User.objects.filter(role=Role.DIRECTOR).first()
    if director is None:
        raise RuntimeError("no director in the database: generate the data first")
    process = SalesProcess.objects.get(is_default=True)
    stage = Stage.objects.get(process=process, code="P3")
    client = Client()
    client.force_login(director)
    rep = rep_with_most_deals()
    team = (
        Team.objects.filter(children__isnull=True, members__isnull=False)
        .distinct()
        .order_by("name", "id")
        .first()
    )
    manager = (
        User.objects.filter(role=Role.MANAGER, team__children__isnull=False, username__startswith="bench")
        .distinct()
        .order_by("id")
        .first()
    )
    rep_client = None
    if rep is not None:
        rep_client = Client()
        rep_client.force_login(rep)
    manager_client = None
    if manager is not None:
        manager_client = Client()
        manager_client.force_login(manager)
    return Context(
        director=director,
        process=process,
        stage=stage,
        client=client,
        today=timezone.localdate(),
        rep=rep,
        rep_client=rep_client,
        manager=manager,
        manager_client=manager_client,
        team=team,
        month=(timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1),
    )


def rep_with_most_deals() -> Any:
    """The rep owning the most opportunities (ties: the lowest id): the rep scenarios' viewer."""
    from django.db.models import Count

    from kam.org.models import Role, User

    return User.objects.filter(role=Role.REP).annotate(n=Count("opportunities")).order_by("-n", "id").first()


# -- timing -------------------------------------------------------------------------------------


@dataclass
class Measure:
    name: str
    label: str
    ms: float | None = None
    queries: int | None = None
    reference_ms: float | None = None
    note: str = ""
    goal_text: str = ""
    goal_met: bool | None = None
    # The figures equal the reference statement's (None: not compared, e.g. an API body).
    correct: bool | None = None
    runs: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ms is None or not self.reference_ms:
            return None
        return self.ms / self.reference_ms

    @property
    def p95(self) -> float | None:
        """The 95th percentile of the timed runs (nearest rank): with fewer than 20 runs, the slowest."""
        if not self.runs:
            return None
        ordered = sorted(self.runs)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _median_ms(function: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def measure(scenario: Scenario, ctx: Context, runs: int, vendor: str) -> Measure:
    """One untimed run (its query count, and its figures checked against the reference
    statement's), then `runs` timed runs of the scenario and of its reference statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Measure(scenario.name, scenario.label, goal_text=scenario.goal_text)
    try:
        with CaptureQueriesContext(connection) as captured:
            outcome = scenario.run(ctx)
    except Unavailable as missing:
        result.note = str(missing)
        return result
    result.queries = len(captured.captured_queries)
    if scenario.reference is not None and scenario.numbers is not _same_as_function:
        try:
            result.correct = same_figures(scenario.numbers(outcome), scenario.reference(ctx))
        except Unavailable:
            result.correct = None
    result.ms, result.runs = _median_ms(lambda: scenario.run(ctx), runs)
    if scenario.reference is not None:
        try:
            result.reference_ms, _times = _median_ms(lambda: scenario.reference(ctx), runs)  # type: ignore[misc]
        except Unavailable as missing:
            result.note = f"reference {missing}"
    if scenario.goal_ms is not None and (scenario.goal_vendor in (None, vendor)):
        # The goals are p95s: 95 requests in 100 within the time.
        result.goal_met = (result.p95 or result.ms) < scenario.goal_ms
    if scenario.goal_ratio is not None and result.ratio is not None:
        result.goal_met = result.ratio <= scenario.goal_ratio
    return result


def verify(ctx: Context, scenarios: list[Scenario] | None = None) -> dict[str, tuple[Any, Any]]:
    """Each available scenario's figures beside its reference statement's (the smoke test compares them)."""
    pairs = {}
    for scenario in scenarios or SCENARIOS:
        if scenario.reference is None or scenario.numbers is _same_as_function:
            continue
        try:
            got = scenario.numbers(scenario.run(ctx))
        except Unavailable:
            continue
        pairs[scenario.name] = (got, scenario.reference(ctx))
    return pairs


def _fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def table(measures: list[Measure], title: str) -> str:
    lines = [
        title,
        f"{'scenario':<52} {'ms':>9} {'p95 ms':>9} {'queries':>7} {'ref SQL ms':>10} {'ratio':>7}"
        f" {'= ref':>7}  goal (p95)",
        "-" * 118,
    ]
    for m in measures:
        if m.ms is None:
            lines.append(f"{m.label:<52} {m.note}")
            continue
        ratio = f"{m.ratio:.1f}×" if m.ratio is not None else "—"
        goal = m.goal_text
        if m.goal_met is not None:
            goal += "  ok" if m.goal_met else "  MISSED"
        check = {True: "yes", False: "NO", None: "—"}[m.correct]
        lines.append(
            f"{m.label:<52} {_fmt_ms(m.ms):>9} {_fmt_ms(m.p95):>9} {m.queries or 0:>7} {_fmt_ms(m.reference_ms):>10} {ratio:>7}"
            f" {check:>7}  {goal}" + (f"  ({m.note})" if m.note else "")
        )
    return "\n".join(lines)


# -- one database (child process) ---------------------------------------------------------------


def bench_opportunity_count() -> int:
    from kam.opportunities.models import Opportunity

    return Opportunity.objects.filter(project_number__startswith="BM-").count()


def _analyze(vendor: str) -> None:
    from django.db import connection

    if vendor == "sqlite":
        _fetch("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.generate import generate

    vendor = connection.vendor
    started = time.perf_counter()
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0, interactive=False)
    present = bench_opportunity_count()
    if pending and present:
        # New columns and indexes have no statistics yet: without them SQLite's planner picks
        # indexes blindly (a rep's totals took 750 ms instead of 4 right after a migration).
        print(f"[{vendor}] {len(pending)} migrations applied: analyzing", flush=True)
        _analyze(vendor)
    if present and present != args.opportunities:
        print(
            f"[{vendor}] the database holds {present:,} benchmark opportunities, not {args.opportunities:,}"
        )
        return NEEDS_REGENERATION
    if not present:
        print(f"[{vendor}] generating {args.opportunities:,} opportunities …", flush=True)
        generate(
            args.opportunities,
            seed=args.seed,
            log=lambda m: print(f"[{vendor}] {m}", flush=True),
            activities=not args.without_activities,
        )
        _analyze(vendor)
        print(f"[{vendor}] ready in {time.perf_counter() - started:.0f} s", flush=True)
    from benchmarks.generate import ensure_activities, ensure_scoring_world

    log = lambda m: print(f"[{vendor}] {m}", flush=True)  # noqa: E731
    # A data set made before there were activities gets them now (its last touches change, so
    # the stored health flags are computed again).
    added = 0 if args.without_activities else ensure_activities(seed=args.seed, log=log)
    if added:
        _analyze(vendor)
    ensure_scoring_world(args.customers, seed=args.seed, log=log)
    ensure_deal_teams(log=log)
    ensure_health_flags(log=log, rescan=bool(added))
    if not args.scenario or "receivables_aging" in args.scenario:
        from benchmarks.generate import ensure_receivables

        if ensure_receivables(args.contracts, seed=args.seed, log=log):
            _analyze(vendor)
    ctx = make_context()
    measures = []
    selected = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    before = machine.reference_ms()
    for scenario in selected:
        print(f"[{vendor}] {scenario.label} …", flush=True)
        measures.append(measure(scenario, ctx, args.runs, vendor))
    speed = machine.describe(before, machine.reference_ms())
    title = f"{vendor} — {bench_opportunity_count():,} opportunities, median and p95 of {args.runs} runs"
    print()
    print(table(measures, title))
    print(speed)
    print()
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps(
                {
                    "vendor": vendor,
                    "title": title,
                    "machine": speed,
                    "measures": [m.__dict__ for m in measures],
                }
            )
        )
    return 0


# -- orchestration (parent process) -------------------------------------------------------------


def postgres_url() -> str | None:
    """The benchmark's PostgreSQL database: BENCH_DATABASE_URL as given, or DATABASE_URL's server
    with a database of its own (the benchmark never writes into the application's database)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + DEFAULT_PG_DATABASE))


def _pg_admin(url: str, statement_of: Callable[[str, bool], str | None]) -> None:
    """Run a CREATE/DROP DATABASE for the url's database from the server's maintenance database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        statement = statement_of(name, exists)
        if statement:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def ensure_pg_database(url: str) -> None:
    _pg_admin(url, lambda name, exists: None if exists else "CREATE DATABASE {}")


def drop_pg_database(url: str) -> None:
    _pg_admin(url, lambda name, exists: "DROP DATABASE {} WITH (FORCE)" if exists else None)


def drop_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(SQLITE_PATH) + suffix).unlink(missing_ok=True)


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any] | None:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "kam-bench-secret")
    env["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    env["DEBUG"] = "0"  # DEBUG keeps every query in memory and slows every one of them
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        env["KAM_SQLITE_PATH"] = str(SQLITE_PATH)
        wipe: Callable[[], None] = drop_sqlite
    else:
        url = postgres_url()
        assert url
        env["DATABASE_URL"] = url
        wipe = lambda: drop_pg_database(url)  # noqa: E731
    if args.regenerate:
        wipe()
    if backend == "postgres":
        ensure_pg_database(env["DATABASE_URL"])
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *_forwarded(args), "--json-out", out]
    code = subprocess.call(command, env=env, cwd=ROOT)
    if code == NEEDS_REGENERATION:
        print(f"[{backend}] regenerating at the requested size", flush=True)
        wipe()
        if backend == "postgres":
            ensure_pg_database(env["DATABASE_URL"])
        code = subprocess.call(command, env=env, cwd=ROOT)
    try:
        if code != 0:
            print(f"[{backend}] failed with exit code {code}")
            return None
        return json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)


def _forwarded(args: argparse.Namespace) -> list[str]:
    forwarded = [
        "--opportunities",
        str(args.opportunities),
        "--runs",
        str(args.runs),
        "--seed",
        str(args.seed),
        "--customers",
        str(args.customers),
        "--contracts",
        str(args.contracts),
    ]
    for name in args.scenario or []:
        forwarded += ["--scenario", name]
    if args.without_activities:
        forwarded.append("--without-activities")
    return forwarded


def summary(results: list[dict[str, Any]]) -> str:
    """Both databases side by side (ms, and the ratio to the single SQL statement)."""
    vendors = [r["vendor"] for r in results]
    header = (
        f"{'scenario':<52}"
        + "".join(f" {v + ' ms':>12} {'p95':>8} {'ratio':>7}" for v in vendors)
        + "  goal (p95)"
    )
    lines = [header, "-" * len(header)]
    by_vendor = {r["vendor"]: {m["name"]: m for m in r["measures"]} for r in results}
    for m in results[0]["measures"]:
        line = f"{m['label']:<52}"
        for vendor in vendors:
            row = by_vendor[vendor].get(m["name"])
            if row is None or row["ms"] is None:
                line += f" {'n/a':>12} {'':>8} {'':>7}"
                continue
            ratio = row["ms"] / row["reference_ms"] if row["reference_ms"] else None
            p95 = Measure(row["name"], row["label"], runs=row.get("runs") or []).p95
            line += f" {_fmt_ms(row['ms']):>12} {_fmt_ms(p95):>8} {(f'{ratio:.1f}×' if ratio else '—'):>7}"
        goal = m["goal_text"]
        verdicts = [
            f"{v}: {'ok' if by_vendor[v][m['name']]['goal_met'] else 'MISSED'}"
            for v in vendors
            if m["name"] in by_vendor[v] and by_vendor[v][m["name"]]["goal_met"] is not None
        ]
        lines.append(line + (f"  {goal}" if goal else "") + (f" ({', '.join(verdicts)})" if verdicts else ""))
    lines.extend(f"{r['vendor']}: {r['machine']}" for r in results if r.get("machine"))
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the pipeline's heavy reads on a large data set.")
    parser.add_argument("--opportunities", type=int, default=200_000, help="data set size (default 200000)")
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="timed runs per scenario; median and p95 shown, goals judged on the p95",
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument(
        "--regenerate", action="store_true", help="drop the benchmark database and generate again"
    )
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument(
        "--without-activities",
        action="store_true",
        help="no activities: neither generated with a new data set nor added to one that has none (ten per opportunity take long at 1M)",
    )
    parser.add_argument(
        "--customers", type=int, default=50_000, help="customers for the rescore scenario (default 50000)"
    )
    parser.add_argument(
        "--contracts",
        type=int,
        default=100_000,
        help="contracts for the receivables scenario (default 100000)",
    )
    parser.add_argument(
        "--closed",
        type=int,
        default=200_000,
        help="closed deals the win-probability model trains on, in a database of their own (default 200000)",
    )
    parser.add_argument(
        "--without-learning", action="store_true", help="leave the win-probability training out"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS] + [LEARNING],
        help="only these (repeatable)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        return child(args)
    backends = []
    if args.only in (None, "sqlite"):
        backends.append("sqlite")
    if args.only in (None, "postgres"):
        if postgres_url():
            backends.append("postgres")
        elif args.only == "postgres":
            print("set BENCH_DATABASE_URL (or DATABASE_URL) to benchmark PostgreSQL")
            return 2
        else:
            print(
                "PostgreSQL skipped: set BENCH_DATABASE_URL (e.g. postgres://kam:kam@127.0.0.1:5432/kam_bench)"
            )
    pipeline = not args.scenario or any(name != LEARNING for name in args.scenario)
    learning = not args.without_learning and (not args.scenario or LEARNING in args.scenario)
    results = []
    for backend in backends:
        result = run_backend(backend, args) if pipeline else {"vendor": backend, "measures": []}
        if result is None:
            continue
        if learning:
            # The training benchmark (benchmarks/learning.py) on a database of closed deals of its own.
            from benchmarks import learning as learning_bench

            row = learning_bench.run_backend(
                backend, closed=args.closed, seed=args.seed, regenerate=args.regenerate
            )
            if row is None:
                continue
            result["measures"].append(row)
            print(table([Measure(**row)], f"{result['vendor']} — learning"))
            print()
        results.append(result)
    if len(results) > 1:
        print(summary(results))
    return 0 if len(results) == len(backends) else 1


if __name__ == "__main__":
    sys.exit(main())
