"""Backups of the configured database and their restore (`kam backup`, `kam restore`).

SQLite is copied with SQLite's online backup API (a consistent snapshot, safe while kam serves);
PostgreSQL with `pg_dump --format=custom` and `pg_restore`, the password handed over in PGPASSWORD,
never on the command line. A backup file says what it is by its first bytes, so a PostgreSQL dump
is never restored into SQLite or the other way round.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

SQLITE = "sqlite"
POSTGRES = "postgresql"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
SUFFIXES = {SQLITE: ".sqlite3", POSTGRES: ".pgdump"}
KIND_NAMES = {SQLITE: "SQLite", POSTGRES: "PostgreSQL"}


class BackupError(Exception):
    """What went wrong, said so that the person at the console knows what to do."""


@dataclass
class Target:
    """The configured database, as the backup tools need it."""

    kind: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    sslmode: str = ""

    @property
    def label(self) -> str:
        if self.kind == SQLITE:
            return f"the SQLite database {self.name}"
        where = f"{self.host or 'localhost'}:{self.port or 5432}"
        return f"the PostgreSQL database {self.name!r} on {where}"


def configured_target(alias: str = "default") -> Target:
    config = settings.DATABASES[alias]
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if not name or name == ":memory:" or name.startswith("file:"):
            raise BackupError(
                f"The SQLite database is {name or 'in memory'!r}, not a file: nothing to back up."
            )
        return Target(SQLITE, name)
    if engine in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
        return Target(
            POSTGRES,
            str(config["NAME"]),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            sslmode=str((config.get("OPTIONS") or {}).get("sslmode") or ""),
        )
    raise BackupError(f"kam backs up SQLite and PostgreSQL; the configured database engine is {engine}.")


def backup_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def default_backup_path(kind: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return backup_dir() / f"kam-{stamp}{SUFFIXES[kind]}"


def destination(path: str | None, kind: str) -> Path:
    """Where the backup goes: the given file, a timestamped file in the given folder, or under var/backups/."""
    if not path:
        target = default_backup_path(kind)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return target
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / default_backup_path(kind).name
    if target.exists():
        raise BackupError(f"{target} exists already; kam does not overwrite a backup. Choose another name.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    return target


def backup_kind(path: Path) -> str:
    """SQLITE or POSTGRES by the file's first bytes; BackupError for anything else."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"No backup file at {path}.") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file.") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if head == SQLITE_MAGIC:
        return SQLITE
    if head.startswith(PG_CUSTOM_MAGIC):
        return POSTGRES
    raise BackupError(
        f"{path} is neither a SQLite database nor a PostgreSQL dump in pg_dump's custom format "
        "(what `kam backup` writes)."
    )


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_connect(path: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=20)
    return sqlite3.connect(str(path), timeout=20)


def backup_sqlite(target: Target, path: Path) -> None:
    if not Path(target.name).is_file():
        raise BackupError(f"There is no SQLite database at {target.name}.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # it holds password hashes and personal data
    done = False
    source = _sqlite_connect(target.name, read_only=True)
    copy = _sqlite_connect(partial)
    try:
        source.backup(copy)  # every page in one step: one consistent snapshot, writers wait meanwhile
        # The copy is one self-contained file (the live database runs in WAL mode, a backup need not).
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy failed SQLite's check ({check}); nothing was written.")
        done = True
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {target.name}: {exc}.") from exc
    finally:
        copy.close()
        source.close()
        if not done:
            partial.unlink(missing_ok=True)
    partial.rename(path)


def restore_sqlite(target: Target, path: Path) -> None:
    try:
        source = _sqlite_connect(path, read_only=True)
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot open {path} as a SQLite database: {exc}.") from exc
    try:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            has_migrations = source.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is damaged: {exc}. Nothing was restored.") from exc
        if check != "ok":
            raise BackupError(f"{path} failed SQLite's check ({check}). Nothing was restored.")
        if not has_migrations:
            raise BackupError(f"{path} is a SQLite database but not a kam database. Nothing was restored.")
        connections.close_all()  # this process's own connection must not hold the old pages
        live = _sqlite_connect(target.name)
        try:
            # Copies every page into the live file in one write transaction: other connections
            # wait for it (busy timeout) and then see the restored database, never half of it.
            source.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not restore into {target.name}: {exc}.") from exc
        finally:
            live.close()
    finally:
        source.close()


# -- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed (or not on PATH). Install PostgreSQL's client programs in the "
            f"server's major version, e.g. `apt-get install postgresql-client-15`."
        )
    return tool


def _pg_environment(target: Target) -> dict[str, str]:
    env = {**os.environ}
    for key, value in {
        "PGPASSWORD": target.password,  # never on the command line, where `ps` would show it
        "PGSSLMODE": target.sslmode,
    }.items():
        if value:
            env[key] = value
    return env


def _pg_connection_args(target: Target) -> list[str]:
    args = []
    if target.host:
        args += ["--host", target.host]
    if target.port:
        args += ["--port", target.port]
    if target.user:
        args += ["--username", target.user]
    return [*args, "--no-password"]  # never prompt: the password comes from the settings or nowhere


def _run_pg(argv: list[str], target: Target, what: str) -> None:
    try:
        done = subprocess.run(argv, env=_pg_environment(target), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"Could not run {argv[0]}: {exc}.") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip() or f"exit code {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def backup_postgres(target: Target, path: Path) -> None:
    pg_dump = _pg_tool("pg_dump")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        _run_pg(
            [pg_dump, "--format=custom", "--file", str(partial), *_pg_connection_args(target), target.name],
            target,
            f"pg_dump of {target.label}",
        )
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)


def restore_postgres(target: Target, path: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    connections.close_all()
    _run_pg(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            # All or nothing: a failure half-way leaves the database as it was.
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            target.name,
            *_pg_connection_args(target),
            str(path),
        ],
        target,
        f"pg_restore into {target.label}",
    )


# -- both --------------------------------------------------------------------------------------


def backup(path: str | None = None) -> tuple[Target, Path]:
    """Back the configured database up into a new file; returns the database and the file."""
    target = configured_target()
    file = destination(path, target.kind)
    (backup_sqlite if target.kind == SQLITE else backup_postgres)(target, file)
    return target, file


def check_restorable(path: str) -> tuple[Target, Path]:
    """The configured database and the backup file, once the file is known to fit that database."""
    file = Path(path).expanduser()
    kind = backup_kind(file)  # the file first: a wrong path is the likelier mistake
    target = configured_target()
    if kind != target.kind:
        raise BackupError(
            f"{file} is a {KIND_NAMES[kind]} backup, but the configured database is {KIND_NAMES[target.kind]} "
            f"({target.label}). Set DATABASE_URL to a {KIND_NAMES[kind]} database to restore it."
        )
    return target, file


def restore(target: Target, file: Path) -> None:
    (restore_sqlite if target.kind == SQLITE else restore_postgres)(target, file)
