"""A scratch PostgreSQL database for tests that run kam in a child process against PostgreSQL (backups,
the soak), whichever database the rest of the suite runs on.

The server is the one in KAM_TEST_POSTGRES_URL, else DATABASE_URL when it is PostgreSQL, else the
local one CI starts (postgres://kam:kam@127.0.0.1:5432/kam). Without a server or pg_dump the tests are
skipped with the reason, except when KAM_PG_REQUIRED is set (CI installs both), where that fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

CI_SERVER = "postgres://kam:kam@127.0.0.1:5432/kam"


def server_url() -> str:
    explicit = os.environ.get("KAM_TEST_POSTGRES_URL")
    if explicit:
        return explicit
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    return CI_SERVER


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def unavailable(reason: str) -> None:
    if os.environ.get("KAM_PG_REQUIRED"):
        pytest.fail(f"{reason}, but KAM_PG_REQUIRED is set (CI must run the PostgreSQL tests)")
    pytest.skip(reason)


def _connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


@contextmanager
def scratch_database(prefix: str, *, tools: tuple[str, ...] = ()) -> Iterator[str]:
    """Yields the URL of a new, empty database on the test server; drops it afterwards."""
    for tool in tools:
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (PostgreSQL's client programs)")
    url = server_url()
    try:
        admin = _connect(url)
    except Exception as exc:  # any failure to connect means: no server to test on
        unavailable(f"no PostgreSQL server at {with_database(url, '…')} ({str(exc).strip()[:200]})")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(url, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
