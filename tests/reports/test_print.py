"""In a real browser: a report printed is A4 landscape, without the navigation and the pickers."""

from __future__ import annotations

import re

import pytest

from tests.browser import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_printed_report_is_a4_landscape_without_navigation(reports_world, live_server, page):
    login(page, live_server, reports_world.east_mgr.username, PASSWORD)
    page.goto(f"{live_server.url}/reports/weekly/?week=2026-W46")
    assert page.locator(".mainnav").is_visible()
    assert page.locator("form.filters").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert not page.locator(".no-print").first.is_visible()
    assert page.locator("#section-flagged").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    # A4 landscape in PDF points: 841.89 × 595.28 (Chromium writes them rounded).
    boxes = {
        tuple(round(float(n)) for n in box)
        for box in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    }
    assert boxes == {(842, 595)}
