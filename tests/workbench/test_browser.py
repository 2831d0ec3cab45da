"""In a real browser: signing in lands on the workbench, and a tile opens the list behind it."""

from __future__ import annotations

import pytest

from tests.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_lands_on_the_workbench_and_a_tile_opens_its_list(page, live_server, world, password):
    login(page, live_server, "east_rep", password)
    assert page.url == f"{live_server.url}/workbench/"
    tile = page.locator('[data-tile="open_pipeline"]')
    assert "1 deal" in tile.inner_text()
    tile.click()
    page.wait_for_url(f"**/opportunities/?owner={world.east_rep.pk}&status=open")
    page.wait_for_selector("text=East furnace")
    assert page.locator("text=West turbine").count() == 0
