from __future__ import annotations

import json
import os
from typing import Any

import pytest
from django.test import Client

from kam.org.models import ApiToken, User, hash_token
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    TeamFactory,
    UserFactory,
    ensure_sales_processes,
    make_opportunity,
)
from tests.recorded import recorded

# The browser fixtures, one browser per test process for every module that drives one.
pytest_plugins = ["tests.browser"]


# Kept across the flush after a transactional test: the migrations' content types and permissions,
# which the flush would otherwise delete and the post-migrate signal write back, model by model.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def pytest_configure(config):
    """Make the flush after each transactional test (browser tests, races) cheap.

    - The content types and permissions stay, so the post-migrate signal that would rewrite them
      (a few queries for each of some 170 models' apps) is not sent.
    - On PostgreSQL the tables are emptied with DELETE, not TRUNCATE: TRUNCATE of some three
      hundred tables gives each a new file and costs about a second per test; DELETE on tables
      holding a few rows costs milliseconds. The flush runs in one transaction and Django's
      foreign keys are deferred to its commit, so the order of the tables does not matter. A flush
      that resets sequences keeps TRUNCATE (RESTART IDENTITY)."""
    from django.core.management.commands import flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        tables = [
            table
            for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if table not in KEPT_BY_FLUSH
        ]
        if connection.vendor == "postgresql" and not reset_sequences and tables:
            quote = connection.ops.quote_name
            return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(quote(t))};" for t in tables]
        return connection.ops.sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )

    flush.sql_flush = sql_flush
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None

    # A commit on PostgreSQL waits for its write-ahead log to reach the disk, which only matters
    # if the server crashes: the test databases are thrown away, and browser and live-server tests
    # commit every request and every fixture row.
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def main_database_vendor() -> str:
    from django.db import connection

    return connection.vendor


def split_by_database(config, items) -> None:
    """With KAM_TESTS_SPLIT_BY_DATABASE=1 (CI, which runs the suite once per database), a test
    marked `database(vendor)` (a backup, a soak, a server on a file of its own: the same work
    whatever DATABASE_URL names) runs only in the pass whose database it works on, not in both.
    Deselected, not skipped: every such test still runs once per CI run."""
    if os.environ.get("KAM_TESTS_SPLIT_BY_DATABASE") != "1":
        return
    main = main_database_vendor()
    kept, other = [], []
    for item in items:
        mark = item.get_closest_marker("database")
        (other if mark is not None and mark.args[0] != main else kept).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = kept


def long_first(item) -> tuple[int, bool]:
    """The order of a test: pytest-django's (tests in a rolled-back transaction, then the ones that
    commit and flush, which would empty what the migrations seed, then those without the database),
    a long one first in its part, and a long one without the test database before everything.
    Handed out last, a long test kept one worker busy for minutes after the other had finished."""
    long = item.get_closest_marker("long") is not None
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (
        marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    ) or ("transactional_db" in fixtures or "live_server" in fixtures):
        part = 1
    elif marker is not None or "db" in fixtures:
        part = 0
    else:
        part = -1 if long else 2
    return part, not long


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Leave out the tests of the other database (`split_by_database`), hand out the long ones first
    (`long_first`), then keep `xdist_group` working under pytest 9: `--dist loadgroup` sends a group to one worker
    by a "@group" suffix on each test's node id, which xdist 3.8 writes to `item._nodeid`; pytest 9
    reads node ids from `item._id`, so the suffix was lost and both workers built the demo world
    (tests/demo: 5-7 minutes each on PostgreSQL). Runs after xdist's own hook, on the workers."""
    split_by_database(config, items)
    items.sort(key=long_first)
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest 8: xdist's own suffix takes effect
        return
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing makes every user cost ~0.3 s; the tests are not about hashing."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # Still verifies hashes made outside a test's settings (e.g. a module-scoped demo load).
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files by their source names: tests never run collectstatic, and a
    manifest left in var/static by `make run` must not change what the pages link to."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def choice_rows_read(request):
    """Industries and regions are read once per process, then kept (kam.customers.models.choices):
    read them before each test that has a database, so a test counting queries never counts that read
    and rows a rolled-back test made are not seen by the next."""
    if (
        request.node.get_closest_marker("django_db") is None
        and "_django_db_helper" not in request.fixturenames
    ):
        yield
        return
    # The database first (as pytest-django's own marker does), whatever order the fixtures run in.
    request.getfixturevalue("_django_db_helper")
    from kam.customers.models import Industry, Region
    from kam.customers.models.choices import _cache

    _cache.clear()
    Industry.by_spelling()
    Region.by_spelling()
    yield
    _cache.clear()


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Assertions read the English msgids; the product's default language is zh-Hans.
    Tests about Chinese switch language themselves."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_relationship_policy():
    """The settings row is cached per thread; a rolled-back test must not leave its copy behind."""
    from kam.relationships.models import RelationshipPolicy

    RelationshipPolicy.forget()
    yield
    RelationshipPolicy.forget()


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings):
    """Background tasks run where they are enqueued, so a test sees their outcome at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def login_passes_a_request(monkeypatch):
    """django-axes checks every sign-in against its lockouts and needs the request to do so; the
    test client's login() passes none (the login page always does). Give it one from the test
    client's address, so client.login() goes through the lockout check like the login page."""
    from django.test import RequestFactory

    original = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return original(self, **credentials)

    monkeypatch.setattr(Client, "login", login)


@pytest.fixture
def password() -> str:
    return PASSWORD


def build_world():
    """Two teams under one director: each with a manager and two reps, each rep with a customer and a deal."""
    from kam.org.models import Role

    ensure_sales_processes()  # a transactional (browser) test starts from a flushed database

    root = TeamFactory(name="Sales")
    east = TeamFactory(name="East", parent=root)
    west = TeamFactory(name="West", parent=root)
    director = UserFactory(username="director", role=Role.DIRECTOR, team=root)
    admin = UserFactory(username="admin", role=Role.ADMIN, team=None, is_staff=True, is_superuser=True)
    east_mgr = UserFactory(username="east_mgr", role=Role.MANAGER, team=east)
    west_mgr = UserFactory(username="west_mgr", role=Role.MANAGER, team=west)
    east.manager = east_mgr
    east.save()
    west.manager = west_mgr
    west.save()
    east_rep = UserFactory(username="east_rep", team=east)
    east_rep2 = UserFactory(username="east_rep2", team=east)
    west_rep = UserFactory(username="west_rep", team=west)
    east_customer = CustomerFactory(name="East Steel", owner=east_rep)
    west_customer = CustomerFactory(name="West Power", owner=west_rep)
    east_opp = make_opportunity(owner=east_rep, customer=east_customer, name="East furnace")
    east_opp2 = make_opportunity(
        owner=east_rep2, customer=CustomerFactory(owner=east_rep2), name="East rolling mill"
    )
    west_opp = make_opportunity(owner=west_rep, customer=west_customer, name="West turbine")

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    return w


@pytest.fixture
def world(db):
    """`build_world()`: built through the services by the first test of a process that asks, then
    its rows written back for each later test whose database starts the same (tests/recorded.py)."""
    return recorded("world", build_world)


# --- An API client per user: bearer tokens created the way the token page does (only the hash stored) ---


def make_token(user: User, name: str = "test") -> tuple[str, ApiToken]:
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:8], token_hash=hash_token(raw))
    return raw, token


class ApiClient:
    """JSON in, JSON out, with the bearer token on every request."""

    def __init__(self, user: User, client: Client | None = None) -> None:
        self.user = user
        self.raw, self.token = make_token(user)
        self.client = client or Client()

    def _headers(self, if_match: Any = None) -> dict[str, str]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"}
        if if_match is not None:
            headers["HTTP_IF_MATCH"] = f'"{if_match}"' if isinstance(if_match, int) else str(if_match)
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get("/api/v1" + path, params or {}, **self._headers())

    def post(self, path: str, body: Any, *, if_match: Any = None) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(
            "/api/v1" + path, data, content_type="application/json", **self._headers(if_match)
        )

    def patch(self, path: str, body: Any, *, if_match: Any = None) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.patch(
            "/api/v1" + path, data, content_type="application/json", **self._headers(if_match)
        )


@pytest.fixture
def api_as():
    """`api_as(user)` → an ApiClient authenticated as that user."""
    return ApiClient
