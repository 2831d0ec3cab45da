"""`make soak`: concurrent edits against a real `kam serve`, and proof that none was lost.

For each database the soak makes a fresh database, migrates it, seeds a director with an API token
and a few shared opportunities, and starts `kam serve` (gunicorn with 2 workers, and the task
worker). Each client then loops until the time is up: GET an opportunity (its ETag is the version),
then PATCH it with `If-Match` and a name no other write uses. A stale If-Match is answered 412;
that is the expected outcome when another client wrote in between.

Afterwards, with the server stopped (SIGTERM), the soak fails (exit code 1) on any of:
- a 5xx, any status other than 200/412, or a request that got no answer;
- a lost update: an opportunity's version did not move by exactly its number of successful writes,
  two successful writes were answered with the same version, or a write's history row says it was
  made over another value than the previous write's (it was based on a stale read);
- a successful write without exactly one history row (OpportunityChange) for its name, or a
  history row for a name no successful write sent;
- a final name other than the last successful write's.

    make soak                                          # 8 clients × 60 s on SQLite (+ PostgreSQL, see below)
    make soak SOAK_ARGS="--duration 10 --clients 4 --databases sqlite"
    SOAK_DATABASE_URL=postgres://kam:kam@127.0.0.1:5432/kam make soak

PostgreSQL: SOAK_DATABASE_URL (else DATABASE_URL when it is PostgreSQL) names the server and a database
to connect to; the soak creates a scratch database `kam_soak_…` beside it and drops it at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 45.0

SEED = """
import datetime as dt, json, sys
from decimal import Decimal
import django; django.setup()
from kam.customers.models import Customer
from kam.opportunities import services
from kam.opportunities.models import Opportunity, OpportunityChange
from kam.org.models import Role, Team, User
from kam.org.services import issue_token
count = int(sys.argv[1])
team = Team.objects.create(name="Soak")
director = User.objects.create_user("soak_director", password=None, role=Role.DIRECTOR, team=team, name="Soak")
customer = Customer.objects.create(name="Soak Steel", owner=director)
ids = [
    services.create_opportunity(
        by=director, customer=customer, owner=director, name=f"Soak deal {n}",
        amount=Decimal("1000000"), sign_date=dt.date(2027, 6, 30),
    ).pk
    for n in range(count)
]
_token, raw = issue_token(director, "soak")
last = OpportunityChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
opportunities = {o.pk: [o.version, o.name] for o in Opportunity.objects.filter(pk__in=ids)}
print(json.dumps({"token": raw, "opportunities": opportunities, "last_change": last}))
"""

# What the database holds afterwards: each opportunity's version and name, and its name changes
# (old, new) made since the seed, in the order they were written.
STATE = """
import json, sys
import django; django.setup()
from kam.opportunities.models import Opportunity, OpportunityChange
ids, last = json.loads(sys.argv[1]), int(sys.argv[2])
state = {}
for o in Opportunity.objects.filter(pk__in=ids):
    changes = OpportunityChange.objects.filter(opportunity=o, field="name", pk__gt=last).order_by("pk")
    state[o.pk] = {"version": o.version, "name": o.name, "changes": list(changes.values_list("old_value", "new_value"))}
print(json.dumps(state))
"""


@dataclass
class Tally:
    """What the clients saw; one per client, merged at the end (no lock on the hot path)."""

    gets: Counter = field(default_factory=Counter)
    patches: Counter = field(default_factory=Counter)
    writes: list[tuple[int, str, int]] = field(default_factory=list)  # (opportunity, name, version)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.gets.update(other.gets)
        self.patches.update(other.patches)
        self.writes += other.writes
        self.errors += other.errors


@dataclass
class Result:
    database: str
    clients: int
    duration: float
    tally: Tally
    problems: list[str]

    @property
    def writes_per_second(self) -> float:
        return self.tally.patches[200] / self.duration if self.duration else 0.0

    def counts(self) -> dict[str, int]:
        """Responses by outcome: "other" is any status but 200 (GET) or 200/412 (PATCH) below 500,
        and requests that got no answer at all."""
        t = self.tally
        both = t.gets + t.patches
        return {
            "requests": sum(both.values()),
            "get_200": t.gets[200],
            "patch_200": t.patches[200],
            "patch_412": t.patches[412],
            "5xx": sum(n for s, n in both.items() if s >= 500),
            "other": sum(n for s, n in t.gets.items() if s != 200 and s < 500)
            + sum(n for s, n in t.patches.items() if s not in (200, 412) and s < 500)
            + sum(1 for e in t.errors if "no answer" in e),
        }


# -- the clients ---------------------------------------------------------------------------------


def version_of(etag: str | None) -> int | None:
    text = (etag or "").removeprefix("W/").strip().strip('"')
    return int(text) if text.isdecimal() else None


def request(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None):
    # A new connection each time: gunicorn's sync workers close it after every response anyway.
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response.getheader("ETag"), data
    finally:
        connection.close()


def client(number: int, port: int, token: str, ids: list[int], deadline: float, label: str, tally: Tally):
    rng = random.Random(number)
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    sequence = 0
    while time.monotonic() < deadline:
        pk = rng.choice(ids)
        path = f"/api/v1/opportunities/{pk}"
        try:
            status, etag, _body = request(port, "GET", path, auth)
            tally.gets[status] += 1
            if status != 200:
                continue
            sequence += 1
            name = f"{label} c{number} #{sequence}"
            headers = {**auth, "Content-Type": "application/json", "If-Match": etag or ""}
            status, etag, body = request(port, "PATCH", path, headers, json.dumps({"name": name}))
            tally.patches[status] += 1
            if status == 200:
                version = version_of(etag)
                if version is None:
                    tally.errors.append(f"PATCH {path} answered 200 without a version in its ETag ({etag!r})")
                else:
                    tally.writes.append((pk, name, version))
            elif status >= 500:
                tally.errors.append(f"PATCH {path}: {status} {body[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            tally.errors.append(f"{path}: no answer ({exc.__class__.__name__}: {exc})")


# -- the checks ----------------------------------------------------------------------------------


def problems_in(
    tally: Tally, seeded: dict[int, tuple[int, str]], state: dict[int, dict[str, Any]]
) -> list[str]:
    """Everything that says a write was lost or a request failed; empty when all is well."""
    problems = []
    fivexx = sum(n for status, n in (tally.gets + tally.patches).items() if status >= 500)
    if fivexx:
        problems.append(f"{fivexx} responses with a 5xx status")
    odd = {f"GET {s}": n for s, n in tally.gets.items() if s != 200 and s < 500}
    odd |= {f"PATCH {s}": n for s, n in tally.patches.items() if s not in (200, 412) and s < 500}
    if odd:
        problems.append(f"unexpected statuses: {odd}")
    if tally.errors:
        problems.append(f"{len(tally.errors)} failed requests, e.g. {tally.errors[0]}")
    by_opportunity: dict[int, list[tuple[str, int]]] = {pk: [] for pk in seeded}
    for pk, name, version in tally.writes:
        by_opportunity[pk].append((name, version))
    for pk, (version0, name0) in seeded.items():
        writes = sorted(by_opportunity[pk], key=lambda write: write[1])
        now = state.get(pk)
        if now is None:
            problems.append(f"opportunity {pk} is gone")
            continue
        versions = [version for _name, version in writes]
        if versions != list(range(version0 + 1, version0 + 1 + len(writes))):
            problems.append(
                f"opportunity {pk}: the successful writes were answered with versions {versions[:10]}…, "
                f"not one each from {version0 + 1} on (a lost update)"
            )
        if now["version"] != version0 + len(writes):
            problems.append(
                f"opportunity {pk}: version {now['version']} after {len(writes)} successful writes "
                f"from version {version0} (a lost update)"
            )
        written = Counter(name for name, _version in writes)
        recorded = Counter(new for _old, new in now["changes"])
        missing = written - recorded
        if missing:
            problems.append(f"opportunity {pk}: {sum(missing.values())} writes without a history row")
        extra = recorded - written
        if extra:
            problems.append(f"opportunity {pk}: {sum(extra.values())} history rows no successful write made")
        doubled = [name for name, n in recorded.items() if n > 1]
        if doubled:
            problems.append(f"opportunity {pk}: history rows recorded twice, e.g. {doubled[0]!r}")
        previous = name0
        for old, new in now["changes"]:
            if old != previous:
                problems.append(
                    f"opportunity {pk}: {new!r} was written over {old!r}, but the name then was {previous!r} "
                    "(a write based on a stale read: a lost update)"
                )
                break
            previous = new
        expected_name = writes[-1][0] if writes else name0
        if now["name"] != expected_name:
            problems.append(f"opportunity {pk}: named {now['name']!r}, the last write sent {expected_name!r}")
    return problems


# -- databases and the server --------------------------------------------------------------------


def postgres_server_url() -> str | None:
    url = os.environ.get("SOAK_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """A DATABASE_URL for a new, empty database of that kind; the database goes afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'soak.sqlite3'}"
        return
    import psycopg

    server = postgres_server_url()
    if server is None:
        raise SystemExit("soak: PostgreSQL needs SOAK_DATABASE_URL (or DATABASE_URL) = postgres://…")
    name = f"kam_soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(server)._replace(path="/" + name))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def kam_env(workdir: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "kam-soak-secret",
        "KAM_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": database_url,
        "KAM_TASKS_BACKEND": "database",
        "ALLOWED_HOSTS": HOST,
    }
    env.pop("DEBUG", None)
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"soak: {' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        request(port, "GET", "/login/", {})
        return True
    except OSError:
        return False


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path, problems: list[str]) -> Iterator[int]:
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "kam.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"soak: kam serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        try:
            server.wait(timeout=STOP_TIMEOUT)
            print(f"kam serve stopped {time.monotonic() - stopping:.1f} s after SIGTERM", flush=True)
        except subprocess.TimeoutExpired:
            problems.append(f"kam serve did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM")
            server.kill()
            server.wait()


def soak(kind: str, *, duration: float, clients: int, opportunities: int, workers: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="kam-soak-") as tmp:
        workdir = Path(tmp)
        with fresh_database(kind, workdir) as url:
            env = kam_env(workdir, url)
            print(f"[{kind}] migrating and seeding a fresh database …", flush=True)
            run(env, "-m", "kam.cli", "migrate", "--noinput")
            seed = json.loads(run(env, "-c", SEED, str(opportunities)).strip().splitlines()[-1])
            seeded = {int(pk): (v, name) for pk, (v, name) in seed["opportunities"].items()}
            problems: list[str] = []
            tally = Tally()
            with serving(env, workers, workdir / "serve.log", problems) as port:
                print(
                    f"[{kind}] {clients} clients × {duration:g} s on {opportunities} opportunities …",
                    flush=True,
                )
                tallies = [Tally() for _ in range(clients)]
                started = time.monotonic()
                deadline = started + duration
                threads = [
                    threading.Thread(
                        target=client, args=(n, port, seed["token"], list(seeded), deadline, kind, tallies[n])
                    )
                    for n in range(clients)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.monotonic() - started
                for each in tallies:
                    tally.merge(each)
            state_json = run(env, "-c", STATE, json.dumps(list(seeded)), str(seed["last_change"]))
            state = {int(pk): value for pk, value in json.loads(state_json.strip().splitlines()[-1]).items()}
            problems += problems_in(tally, seeded, state)
            if tally.patches[200] == 0:
                problems.append("no write succeeded: the soak proved nothing")
            return Result(kind, clients, elapsed, tally, problems)


def report(results: list[Result]) -> str:
    lines = [
        f"kam soak, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}",
        "",
        "| database | clients × s | GET 200 | PATCH 200 | PATCH 412 | other | 5xx | writes/s | requests/s | problems |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r.counts()
        lines.append(
            f"| {r.database} | {r.clients} × {r.duration:.0f} | {c['get_200']:,} | {c['patch_200']:,} | "
            f"{c['patch_412']:,} | {c['other']:,} | {c['5xx']:,} | {r.writes_per_second:.1f} | "
            f"{c['requests'] / r.duration:.1f} | {'none' if not r.problems else 'FAILED'} |"
        )
    for r in results:
        for problem in r.problems:
            lines.append(f"[{r.database}] FAILED: {problem}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per database (60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--opportunities", type=int, default=20, help="shared opportunities (20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of kam serve (2)")
    parser.add_argument(
        "--databases",
        default=None,
        help="comma-separated: sqlite, postgres (default: sqlite, and postgres when SOAK_DATABASE_URL "
        "or DATABASE_URL names a PostgreSQL server)",
    )
    args = parser.parse_args(argv)
    if args.databases is None:
        kinds = ["sqlite"] + (["postgres"] if postgres_server_url() else [])
        if "postgres" not in kinds:
            print("soak: PostgreSQL left out: set SOAK_DATABASE_URL=postgres://… to soak it too.")
    else:
        kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    unknown = set(kinds) - {"sqlite", "postgres"}
    if unknown or not kinds:
        parser.error(
            f"--databases takes sqlite and/or postgres, not {', '.join(sorted(unknown)) or 'nothing'}"
        )
    results = []
    for kind in kinds:
        results.append(
            soak(
                kind,
                duration=args.duration,
                clients=args.clients,
                opportunities=args.opportunities,
                workers=args.workers,
            )
        )
    print(report(results))
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
