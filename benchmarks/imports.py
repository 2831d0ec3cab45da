"""Import speed: 20,000 opportunity rows (and 20,000 customers, 20,000 contacts) through
`kam.imports.services.import_file`, on a fresh test database (SQLite, or PostgreSQL when
DATABASE_URL is set), as the tests build it.

    SECRET_KEY=x .venv/bin/python benchmarks/imports.py [ROWS] [SEEN]
    DATABASE_URL=postgres://kam:kam@127.0.0.1:5432/kam SECRET_KEY=x .venv/bin/python benchmarks/imports.py

The time of each import includes reading the CSV, validation, history, audit entries, rollup
upkeep and rescoring, in one process and one transaction, as an import in the request or in the
background task runs it. Each line also gives the CPU time of this process and (PostgreSQL on this
machine) of its server process, the load average, and the machine's reference time taken just
after (benchmarks/machine.py): on a shared machine the wall time alone says little.

SEEN (default 0) customers more are made first, owned by the importing manager, none of them named
in the files: an import's checks read the customers its author sees, and a director at a million
deals sees 50,000.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import machine  # noqa: E402  (after the path is set)


def main(rows: int, seen: int = 0) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(rows, connection.vendor, name, seen)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def server_cpu_reader() -> Callable[[], float]:
    """A function reading the CPU seconds of this connection's PostgreSQL server process (when the
    server runs on this machine), else 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    def read() -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def as_csv(table: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8")


def run(rows: int, vendor: str, name: str, seen: int = 0) -> None:
    from kam.customers.models import Customer
    from kam.imports.services import import_file
    from kam.org.models import Role, Team, User

    team = Team.objects.create(name="Bench")
    manager = User.objects.create_user(username="bench_mgr", password="x", role=Role.MANAGER, team=team)
    team.manager = manager
    team.save()
    Customer.objects.bulk_create(
        (Customer(name=f"Seen {i}", owner=manager, industry="Steel") for i in range(seen)), batch_size=2000
    )
    customers = max(rows // 20, 1)

    server = server_cpu_reader()

    def timed(kind: str, table: list[list[object]]) -> None:
        content = as_csv(table)
        started, cpu, server_cpu = time.perf_counter(), time.process_time(), server()
        result = import_file(by=manager, kind=kind, content=content, filename=f"{kind}.csv")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_cpu = server() - server_cpu
        assert result.ok, result.errors[:5]
        count = len(table) - 1
        # The CPU seconds are this process's (Python and SQLite) and, for a local PostgreSQL, its
        # server process's (read from /proc: the server works apart); the load average tells how
        # busy the machine was.
        print(
            f"{vendor:10} {kind:14} {count:6} rows  {seconds:6.2f} s  {count / seconds:8.0f} rows/s"
            f"  (CPU of this process {cpu:6.2f} s"
            + (f", of the server {server_cpu:6.2f} s" if vendor == "postgresql" else "")
            + f"; load {os.getloadavg()[0]:.1f}; machine reference {machine.reference_ms(3):.0f} ms)",
            flush=True,
        )

    timed(
        "customers",
        [["name", "owner", "industry"]] + [[f"Customer {i}", "bench_mgr", "Steel"] for i in range(customers)],
    )
    timed(
        "contacts",
        [["customer", "name", "manager"]]
        + [
            [
                f"Customer {i % customers}",
                f"Contact {i}",
                f"Contact {i - customers}" if i >= customers else "",
            ]
            for i in range(rows)
        ],
    )
    timed(
        "opportunities",
        [["customer", "name", "stage", "owner", "amount", "sign_date", "customer_lead", "key_contacts"]]
        + [
            [
                f"Customer {i % customers}",
                f"Deal {i}",
                "P4",
                "bench_mgr",
                100000 + i,
                "2027-06-30",
                f"Contact {i % customers}",
                f"Contact {i % customers}:decision_maker:A",
            ]
            for i in range(rows)
        ],
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
