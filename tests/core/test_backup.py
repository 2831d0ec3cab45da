"""`kam backup` and `kam restore`, for real on SQLite and PostgreSQL: back up, change the data, restore,
and every table holds again exactly the rows it held at the backup (counts and a checksum of each
table's ordered rows); and the errors say what is wrong (a missing tool, an unreadable file, a backup
of the other database kind)."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.core import backup
from tests.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[2]

SEED = """
import django; django.setup()
from kam.opportunities import services
from kam.org.models import Role
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory, make_opportunity, stage
team = TeamFactory(name="East")
director = UserFactory(username="director", role=Role.DIRECTOR, team=team)
for n in range(3):
    rep = UserFactory(username=f"rep{n}", team=team)
    customer = CustomerFactory(name=f"Steel works {n}", owner=rep)
    for m in range(4):
        ContactFactory(customer=customer, name=f"Contact {n}.{m}")
    for m in range(3):
        deal = make_opportunity(owner=rep, customer=customer, name=f"Furnace {n}.{m}")
        services.move_stage(deal, stage("P1"), by=rep, key_node_confirmed=True)
        services.update_opportunity(deal, by=rep, version=deal.version, name=f"Blast furnace {n}.{m}")
"""

# Rows of every table, in primary key order, hashed per table: equal before the backup and after
# the restore means the same rows with the same values.
CHECKSUMS = """
import hashlib, json, django; django.setup()
from django.apps import apps
sums = {}
for model in apps.get_models():
    fields = [f.attname for f in model._meta.concrete_fields]
    rows = list(model._base_manager.order_by("pk").values_list(*fields))
    sums[model._meta.label_lower] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
print(json.dumps(sums))
"""

CHANGE = """
import django; django.setup()
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, StageChange
from kam.relationships.models import Contact
from tests.factories import CustomerFactory, UserFactory
Customer.objects.update(name="Renamed")
Opportunity.objects.filter(name__endswith=".0").update(name="Changed", version=99)
StageChange.objects.filter(pk__in=StageChange.objects.order_by("pk").values("pk")[:2]).delete()
Contact.objects.filter(name__endswith=".3").delete()
CustomerFactory(name="Added after the backup", owner=UserFactory(username="late"))
"""

MAIN_TABLES = (
    "org.user",
    "org.team",
    "customers.customer",
    "relationships.contact",
    "opportunities.opportunity",
    "opportunities.stagechange",
    "opportunities.opportunitychange",
)


def kam_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "SECRET_KEY": "backup-test",
        "KAM_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "KAM_TASKS_BACKEND": "immediate",
    }
    env.pop("DEBUG", None)
    return env


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{argv[-1] if argv[1] == '-c' else argv}: {done.stdout}\n{done.stderr}"
    return done


def kam(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, sys.executable, "-m", "kam.cli", *args)


def python(env: dict[str, str], code: str) -> str:
    return run(env, sys.executable, "-c", code).stdout


def checksums(env: dict[str, str]) -> dict[str, list]:
    return json.loads(python(env, CHECKSUMS).strip().splitlines()[-1])


def back_up_change_restore(env: dict[str, str], file: Path) -> None:
    kam(env, "migrate", "--noinput")
    python(env, SEED)
    before = checksums(env)
    for table in MAIN_TABLES:
        assert before[table][0] > 0, table  # the seed gives every main table rows to compare

    done = kam(env, "backup", str(file))
    assert f"to {file}" in done.stdout
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # password hashes and personal data inside

    python(env, CHANGE)
    changed = checksums(env)
    assert changed != before
    assert {t for t in MAIN_TABLES if changed[t] != before[t]} >= {
        "customers.customer",
        "relationships.contact",
        "opportunities.opportunity",
        "opportunities.stagechange",
        "org.user",
    }

    done = kam(env, "restore", str(file), "--force")
    assert "Restored" in done.stdout
    after = checksums(env)
    assert {t: after[t][0] for t in after} == {t: before[t][0] for t in before}  # row counts
    assert after == before


@pytest.mark.long
@pytest.mark.database("sqlite")
def test_sqlite_backup_and_restore_give_back_every_row(tmp_path):
    env = kam_env(tmp_path, f"sqlite:///{tmp_path / 'kam.sqlite3'}")
    back_up_change_restore(env, tmp_path / "kam.sqlite3.bak")
    # The restored database is still the live, concurrent one: WAL mode, checked by SQLite itself.
    out = python(
        env,
        "import django; django.setup()\nfrom django.db import connection\nc = connection.cursor()\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA integrity_check').fetchone()[0])",
    )
    assert out.split() == ["wal", "ok"]


@pytest.mark.long
@pytest.mark.database("postgresql")
def test_postgres_backup_and_restore_give_back_every_row(tmp_path):
    with scratch_database("kam_backup_test", tools=("pg_dump", "pg_restore")) as url:
        back_up_change_restore(kam_env(tmp_path, url), tmp_path / "kam.pgdump")


@pytest.mark.database("sqlite")
def test_a_backup_goes_under_var_backups_with_a_timestamp_by_default(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "kam.sqlite3").execute("CREATE TABLE t (x)").connection.commit()
    env = kam_env(tmp_path, f"sqlite:///{tmp_path / 'kam.sqlite3'}")
    kam(env, "backup")
    (file,) = (tmp_path / "var" / "backups").iterdir()
    assert re.fullmatch(r"kam-\d{8}-\d{6}\.sqlite3", file.name)
    # Into a folder: the same name, in that folder; an existing file is never overwritten.
    kam(env, "backup", str(tmp_path))
    (in_folder,) = tmp_path.glob("kam-*.sqlite3")
    again = subprocess.run(
        [sys.executable, "-m", "kam.cli", "backup", str(in_folder)], env=env, capture_output=True, text=True
    )
    assert again.returncode != 0 and "exists already" in again.stderr


# -- errors, in process ----------------------------------------------------------------------------


def restore(*args: str) -> str:
    out = io.StringIO()
    call_command("restore", *args, stdout=out)
    return out.getvalue()


def test_restore_says_when_the_file_is_missing_or_no_backup(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "configured_target", lambda: backup.Target(backup.SQLITE, "/tmp/kam.sqlite3"))
    with pytest.raises(CommandError, match="No backup file at"):
        restore(str(tmp_path / "nothing.sqlite3"), "--force")
    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(CommandError, match="neither a SQLite database nor a PostgreSQL dump"):
        restore(str(tmp_path / "notes.txt"), "--force")
    with pytest.raises(CommandError, match="is a folder"):
        restore(str(tmp_path), "--force")


def test_restore_refuses_a_backup_of_the_other_database_kind(tmp_path, monkeypatch):
    dump = tmp_path / "kam.pgdump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    monkeypatch.setattr(backup, "configured_target", lambda: backup.Target(backup.SQLITE, "/tmp/kam.sqlite3"))
    with pytest.raises(CommandError, match="is a PostgreSQL backup, but the configured database is SQLite"):
        restore(str(dump), "--force")
    sqlite_file = tmp_path / "kam.sqlite3"
    sqlite_file.write_bytes(backup.SQLITE_MAGIC + b"\x00" * 100)
    monkeypatch.setattr(backup, "configured_target", lambda: backup.Target(backup.POSTGRES, "kam"))
    with pytest.raises(CommandError, match="is a SQLite backup, but the configured database is PostgreSQL"):
        restore(str(sqlite_file), "--force")


def test_restore_asks_first_and_without_a_terminal_wants_force(tmp_path, monkeypatch):
    file = tmp_path / "kam.sqlite3"
    file.write_bytes(backup.SQLITE_MAGIC + b"\x00" * 100)
    monkeypatch.setattr(
        backup, "configured_target", lambda: backup.Target(backup.SQLITE, str(tmp_path / "x"))
    )
    restored = []
    monkeypatch.setattr(backup, "restore", lambda target, path: restored.append(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--force"):
        restore(str(file))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was restored"):
        restore(str(file))
    assert restored == []


def test_a_damaged_or_foreign_sqlite_file_is_not_restored(tmp_path):
    live = tmp_path / "live.sqlite3"
    import sqlite3

    sqlite3.connect(live).execute("CREATE TABLE kept (x)").connection.commit()
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE other (x)").connection.commit()
    with pytest.raises(backup.BackupError, match="not a kam database"):
        backup.restore_sqlite(backup.Target(backup.SQLITE, str(live)), foreign)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(backup.SQLITE_MAGIC + b"\xff" * 200)
    with pytest.raises(backup.BackupError):
        backup.restore_sqlite(backup.Target(backup.SQLITE, str(live)), damaged)
    assert sqlite3.connect(live).execute("SELECT name FROM sqlite_master").fetchall() == [("kept",)]


PG = backup.Target(backup.POSTGRES, "kam", user="kam", password="s3cret-pw", host="db.example", port="5433")


def test_without_pg_dump_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed.*postgresql-client"):
        backup.backup_postgres(PG, tmp_path / "kam.pgdump")
    with pytest.raises(backup.BackupError, match="pg_restore is not installed"):
        backup.restore_postgres(PG, tmp_path / "kam.pgdump")
    assert not list(tmp_path.iterdir())  # no half-written file left behind


def test_the_password_goes_in_the_environment_never_on_the_command_line(tmp_path, monkeypatch):
    calls = []

    def fake_run(argv, env, **kwargs):
        calls.append((argv, env))
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    backup.backup_postgres(PG, tmp_path / "kam.pgdump")
    backup.restore_postgres(PG, tmp_path / "kam.pgdump")
    (dump_argv, dump_env), (restore_argv, restore_env) = calls
    assert dump_argv[:2] == ["/usr/bin/pg_dump", "--format=custom"]
    assert restore_argv[:4] == ["/usr/bin/pg_restore", "--clean", "--if-exists", "--no-owner"]
    for argv, env in calls:
        assert not any("s3cret-pw" in arg for arg in argv)
        assert env["PGPASSWORD"] == "s3cret-pw"
        at = argv.index("--host")
        assert argv[at : at + 6] == ["--host", "db.example", "--port", "5433", "--username", "kam"]


def test_a_failing_pg_dump_reports_its_message_and_leaves_no_file(tmp_path, monkeypatch):
    def fake_run(argv, env, **kwargs):
        return subprocess.CompletedProcess(
            argv, 1, "", 'pg_dump: error: connection to server failed: FATAL: role "x"'
        )

    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    with pytest.raises(backup.BackupError, match="connection to server failed"):
        backup.backup_postgres(PG, tmp_path / "kam.pgdump")
    assert not list(tmp_path.iterdir())
