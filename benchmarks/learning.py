"""`make bench`'s learning part: train the win-probability model on 200,000 closed deals and
report the time (goal: under two minutes) and the backtest against the stage rule.

The deals come from the benchmark generator in its closed-only mode (every deal closed, outcomes
drawn from the decision maker's CR level and stance, the slips and the competition, with noise:
kam.demo.outcomes) with eight quarterly snapshots, in a database of its own, so the pipeline
scenarios' data set keeps its size and the model trains on exactly the closed deals asked for:
`var/bench-learning.sqlite3`, or `kam_bench_learning` on the PostgreSQL server of the benchmark
(BENCH_LEARNING_DATABASE_URL: another).
What is timed is `kam.insights.learning.winprob.services.train()` as `kam learn` runs it: reading
the deals and their snapshots, the features, the time-split backtest, the final fit and saving
the version.

    make bench BENCH_ARGS="--scenario learning_train --closed 200000"
    SECRET_KEY=x .venv/bin/python benchmarks/learning.py --closed 20000     # SQLite only, standalone
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAME = "learning_train"
DEFAULT_CLOSED = 200_000
GOAL_MS = 120_000
SQLITE_PATH = Path(os.environ.get("BENCH_LEARNING_SQLITE_PATH") or ROOT / "var" / "bench-learning.sqlite3")
PG_DATABASE = "kam_bench_learning"
NEEDS_REGENERATION = 3  # a child's exit code: the database holds another number of deals


def label(closed: int) -> str:
    return f"Win probability: train on {closed:,} closed deals"


def backtest_note(model: Any) -> str:
    """The backtest in one line: the model's Brier score and log loss beside the stage rule's."""
    metrics = model.metrics or {}
    if not metrics:
        return f"verdict {model.verdict}: no backtest"
    mine, rule = metrics["model"], metrics["rule"]
    return (
        f"{model.verdict}, {model.kind}: Brier {mine['brier']:.4f} vs rule {rule['brier']:.4f}, "
        f"log loss {mine['log_loss']:.4f} vs {rule['log_loss']:.4f}, skill {metrics.get('skill', 0):.3f}, "
        f"{metrics.get('test_deals', 0):,} test deals"
    )


def prepare(closed: int, *, seed: int, log: Any) -> bool:
    """Generate the closed deals and their snapshots when the database holds none; False when it
    holds another number of them (the caller starts from a fresh database)."""
    from django.db import connection

    from benchmarks.generate import ensure_snapshots, generate
    from kam.opportunities.models import Opportunity

    present = Opportunity.objects.filter(project_number__startswith="BM-").count()
    if present and present != closed:
        return False
    if not present:
        started = time.perf_counter()
        generate(closed, seed=seed, closed_only=True, activities=False, log=log)
        ensure_snapshots(log=log)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
        log(f"  ready in {time.perf_counter() - started:.0f} s")
    return True


def measure(closed: int, vendor: str) -> dict[str, Any]:
    """One timed training run (it takes minutes: one run, not a median), as run.Measure's fields."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.run import Measure

    result = Measure(NAME, label(closed), goal_text="< 2 min")
    try:
        from kam.insights.learning.winprob.services import train
    except ImportError as missing:
        result.note = f"not available yet ({missing})"
        return result.__dict__
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        model = train()
    result.ms = (time.perf_counter() - started) * 1000
    result.runs = [result.ms]
    result.queries = len(captured.captured_queries)
    result.goal_met = result.ms < GOAL_MS
    result.note = backtest_note(model)
    return result.__dict__


def child(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    call_command("migrate", verbosity=0, interactive=False)

    def log(message: str) -> None:
        print(f"[{vendor} learning] {message}", flush=True)

    if not prepare(args.closed, seed=args.seed, log=log):
        log(f"the database holds another number of deals than {args.closed:,}")
        return NEEDS_REGENERATION
    log(f"training on {args.closed:,} closed deals …")
    row = measure(args.closed, vendor)
    log(f"{row['ms'] / 1000 if row['ms'] else 0:.1f} s — {row['note']}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"vendor": vendor, "measure": row}))
    return 0


def database_env(backend: str) -> tuple[dict[str, str], Any]:
    """The child's environment for the learning database of `backend`, and how to wipe it."""
    from benchmarks import run

    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "kam-bench-secret")
    env["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    env["DEBUG"] = "0"
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        env["KAM_SQLITE_PATH"] = str(SQLITE_PATH)

        def wipe() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(SQLITE_PATH) + suffix).unlink(missing_ok=True)

        return env, wipe
    url = os.environ.get("BENCH_LEARNING_DATABASE_URL") or ""
    if not url:
        bench = run.postgres_url()
        assert bench
        url = urlunsplit(urlsplit(bench)._replace(path="/" + PG_DATABASE))
    env["DATABASE_URL"] = url

    def wipe_pg() -> None:
        run.drop_pg_database(url)
        run.ensure_pg_database(url)

    run.ensure_pg_database(url)
    return env, wipe_pg


def run_backend(backend: str, *, closed: int, seed: int, regenerate: bool = False) -> dict[str, Any] | None:
    """The learning benchmark in a child process on `backend`'s learning database: its measure
    (run.Measure's fields), or None when the child failed."""
    env, wipe = database_env(backend)
    if regenerate:
        wipe()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--closed",
        str(closed),
        "--seed",
        str(seed),
        "--json-out",
        out,
    ]
    code = subprocess.call(command, env=env, cwd=ROOT)
    if code == NEEDS_REGENERATION:
        wipe()
        code = subprocess.call(command, env=env, cwd=ROOT)
    try:
        if code != 0:
            print(f"[{backend} learning] failed with exit code {code}")
            return None
        return json.loads(Path(out).read_text())["measure"]
    finally:
        Path(out).unlink(missing_ok=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train the win-probability model on many closed deals.")
    parser.add_argument("--closed", type=int, default=DEFAULT_CLOSED, help="closed deals (default 200000)")
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--regenerate", action="store_true", help="drop the learning database first")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        return child(args)
    from benchmarks import run

    row = run_backend(args.only, closed=args.closed, seed=args.seed, regenerate=args.regenerate)
    if row is None:
        return 1
    print(run.table([run.Measure(**row)], f"{args.only} — learning"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
