"""In a real browser: the bell in the top bar shows the unread count (loaded by htmx), and opening a
notification from the inbox goes to its record and takes one off the count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.notifications import services
from kam.notifications.models import NotificationKind
from kam.org.models import Role
from tests.browser import login
from tests.factories import PASSWORD, TeamFactory, UserFactory, ensure_sales_processes, make_opportunity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_and_a_notification_opens_its_record(page, live_server):
    ensure_sales_processes()
    rep = UserFactory(username="bell_rep", role=Role.REP, team=TeamFactory(name="East"))
    deal = make_opportunity(owner=rep, name="Furnace relining")
    url = reverse("opportunities:detail", args=[deal.pk])
    for key, days in (("a", 31), ("b", 45)):
        services.notify(
            rep,
            NotificationKind.DEAL_STALE,
            params={"deal": f"Furnace relining {key}", "days": days},
            url=url,
            record_label="opportunity",
            record_id=deal.pk,
            dedupe_key=key,
        )

    login(page, live_server, rep.username, PASSWORD, language="en")
    page.goto(f"{live_server.url}/notifications/")
    page.wait_for_selector("#notification-bell .bell-badge", state="attached", timeout=30_000)
    assert page.locator("#notification-bell .bell-badge").inner_text() == "2"

    page.get_by_role("link", name="Furnace relining b: no activity for 45 days").click()
    page.wait_for_url(f"**{url}")
    page.wait_for_selector("#notification-bell", state="attached", timeout=30_000)
    assert page.locator("#notification-bell .bell-badge").inner_text() == "1"
