"""`make throughput`: requests per second of a rep's pipeline page and of the API list, over HTTP.

Serves an existing database (made by `benchmarks/generate.py`) with `kam serve` (gunicorn, 2 sync
workers unless told otherwise) and loads it from 127.0.0.1 with wrk (`apt-get install wrk`), a
fixed number of connections for a fixed time. The rep is the one who sees the most deals; the
requests carry that rep's session (page) or API token (list).

Each scenario runs twice: with the page cache (kam.core.pagecache: the answer is served again
while the database has not changed, which is what a rep reloading the pipeline or an integration
polling the list meets between writes) and with it off (`KAM_PAGE_CACHE_SECONDS=0`: every request
renders, which is what the first request after each write costs).

    SECRET_KEY=x KAM_SQLITE_PATH=var/bench.sqlite3 .venv/bin/python benchmarks/generate.py --opportunities 1000000
    make throughput THROUGHPUT_ARGS="--database sqlite:///$PWD/var/bench.sqlite3"
    make throughput THROUGHPUT_ARGS="--database postgres://kam:kam@127.0.0.1/kam_bench --duration 20"
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.soak import kam_env, run, serving  # noqa: E402

SETUP = r"""
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
# The CSRF secret as Django makes one (letters and digits): a cookie it finds malformed is replaced
# on every answer, and an answer that sets a cookie is never kept by the page cache.
from django.utils.crypto import get_random_string
from django.db.models import Count
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.org.services import issue_token

top = (Opportunity.objects.filter(status="open").values("owner_id").annotate(n=Count("id"))
       .order_by("-n").first())
rep = User.objects.get(pk=top["owner_id"])
session = SessionStore()
session[SESSION_KEY] = str(rep.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = rep.get_session_auth_hash()
session.create()
_token, raw = issue_token(rep, "throughput benchmark")
print(json.dumps({"username": rep.username, "open_deals": top["n"], "session": session.session_key,
                  "csrf": get_random_string(32), "token": raw,
                  "session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME}))
"""

LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
ERRORS = re.compile(r"Socket errors: (.*)")


def wrk(
    port: int, path: str, headers: dict[str, str], *, connections: int, duration: int
) -> dict[str, object]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    rate = LINE.search(out)
    latency = LATENCY.search(out)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "latency_ms": float(latency.group(1)) * factor[latency.group(2)] if latency else None,
        "non_2xx": int(m.group(1)) if (m := NON_2XX.search(out)) else 0,
        "socket_errors": m.group(1) if (m := ERRORS.search(out)) else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a generated database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("throughput: wrk is needed (apt-get install -y wrk)")

    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="kam-throughput-") as tmp:
        workdir = Path(tmp)
        env = kam_env(workdir, args.database)
        who = json.loads(run(env, "-m", "kam.cli", "shell", "-c", SETUP).strip().splitlines()[-1])
        cookie = f"{who['session_cookie']}={who['session']}; {who['csrf_cookie']}={who['csrf']}"
        scenarios = [
            ("rep's pipeline page", "/opportunities/", {"Cookie": cookie}),
            (
                "API list, open, by amount, 50",
                "/api/v1/opportunities?status=open&sort=-amount&limit=50",
                {"Authorization": f"Bearer {who['token']}"},
            ),
        ]
        print(
            f"rep {who['username']} with {who['open_deals']:,} open deals; {args.workers} workers, "
            f"{args.connections} connections, {args.duration} s per scenario",
            flush=True,
        )
        for cache_seconds in ("30", "0"):
            env["KAM_PAGE_CACHE_SECONDS"] = cache_seconds
            problems: list[str] = []
            with serving(env, args.workers, workdir / f"serve-{cache_seconds}.log", problems) as port:
                for name, path, headers in scenarios:
                    for _ in range(3):  # warm: each worker opens its connection and renders once
                        wrk(port, path, headers, connections=args.workers, duration=1)
                    figures = wrk(port, path, headers, connections=args.connections, duration=args.duration)
                    row = {"scenario": name, "page_cache": cache_seconds != "0", **figures}
                    results.append(row)
                    print(json.dumps(row), flush=True)
            if problems:
                print("\n".join(problems), file=sys.stderr)

    print("\n| scenario | page cache | requests/s | mean latency ms | non-2xx |\n|---|---|---:|---:|---:|")
    for row in results:
        print(
            f"| {row['scenario']} | {'on' if row['page_cache'] else 'off'} | {row['rps']:.0f} | "
            f"{row['latency_ms']:.1f} | {row['non_2xx']} |"
        )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
