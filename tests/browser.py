"""Real-browser tests: Playwright for Python driving Debian's Chromium against the live server.

A plugin of the whole suite (tests/conftest.py), so every test module shares one browser per test
process: a module importing the fixtures would define its own, and a second Playwright started in
the same thread while the first runs fails ("Sync API inside the asyncio loop")."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading

import pytest

CHROMIUM = os.environ.get("KAM_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# live-server test itself are still synchronous, so the async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing_reason()
    if reason:
        if os.environ.get("KAM_E2E_REQUIRED"):
            pytest.fail(reason + " but KAM_E2E_REQUIRED is set (CI must run the browser tests)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, transactional_db):
    # After the database (so torn down before its flush): a request the page still has in flight
    # (a section loading, a poll) must be answered before the tables are emptied, or the flush
    # meets a table the live server holds ("database table is locked").
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
    # A request the browser gave up on may still be running in the live server (one thread per
    # request, on the test's own in-memory connection): let it finish before the flush.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name and thread is not threading.current_thread():
            thread.join(timeout=10)


def login(page, live_server, username: str, password: str, language: str | None = None) -> None:
    if language:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def pytest_collection_modifyitems(config, items):
    # A browser test waits on Chromium, a live server thread and, on CI, two workers sharing two
    # cores: a wait that times out under that load gets one more run, from a fresh page and a
    # flushed database. Only Playwright's timeouts are retried; an assertion that fails is a
    # failure on the first run, and every retry is listed in the summary (RERUN).
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=["TimeoutError"]))
