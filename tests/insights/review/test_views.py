"""The weekly-meeting pages: what changed, accuracy, the period picker, and a fixed number of queries
for the pages and their endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.insights.review import services as review_services
from tests.conftest import ApiClient
from tests.factories import UserFactory, make_opportunity
from tests.insights.review.conftest import at

pytestmark = pytest.mark.django_db

# --- pages --------------------------------------------------------------------------------------


def test_changes_page_is_the_weekly_meeting_first_page(client, world, two_weeks, password):
    client.login(username="director", password=password)
    html = client.get(reverse("analysis:changes")).content.decode()
    assert 'id="section-advanced"' in html and "East furnace" in html
    assert 'id="section-won"' in html and "West turbine" in html
    assert "week 45" in html and "week 46" in html
    client.logout()
    client.login(username="east_rep2", password=password)
    html = client.get(reverse("analysis:changes")).content.decode()
    assert "West turbine" not in html and "fresh" in html
    assert client.get(reverse("analysis:changes") + "?a=abc").status_code == 404


def test_changes_page_without_snapshots_explains_how_to_start(client, world, password):
    client.login(username="director", password=password)
    assert "kam snapshot" in client.get(reverse("analysis:changes")).content.decode()


def test_accuracy_page_shows_errors_and_figures(client, world, password):
    review_services.take_snapshot(taken_at=at("2026-03-25 07:00"))
    client.login(username="director", password=password)
    html = client.get(reverse("analysis:accuracy") + "?period=2099-01").content.decode()
    assert "Choose a period that has ended." in html
    html = client.get(reverse("analysis:accuracy") + "?period=2026 Q2").content.decode()
    assert "2026 Q2" in html and 'class="forecast"' in html


def test_weekly_review_picker_says_from_and_to_of_a_period(client, world):
    from django.conf import settings

    review_services.take_snapshot(by=world.director)  # the picker shows once there is something to compare
    client.force_login(world.director)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get("/insights/changes/").content.decode()
    picker = body[body.index('class="filters no-print analysis-picker"') :]
    picker = picker[: picker.index("</form>")]
    assert "<label>起" in picker and "<label>至" in picker and "新阶段" not in picker


def _grow(world, count):
    reps = [UserFactory(team=world.east) for _ in range(3)]
    for i in range(count):
        make_opportunity(
            owner=reps[i % 3],
            customer=world.east_customer,
            stage_code=f"P{i % 6}",
            amount=Decimal(1000 + i),
            sign_date=dt.date(2026, 5, 1 + i % 28),
        )


@pytest.mark.parametrize("count", [10, 60])
def test_pages_and_endpoints_cost_a_fixed_number_of_queries(
    client, world, password, count, django_assert_max_num_queries
):
    _grow(world, count)
    before = review_services.take_snapshot(taken_at=at("2026-03-02 07:00"))
    _grow(world, count)
    after = review_services.take_snapshot(taken_at=at("2026-03-09 07:00"))
    api = ApiClient(world.east_mgr)
    client.login(username="east_mgr", password=password)
    budgets = {
        "/insights/snapshots": 8,
        f"/insights/changes?a={before.pk}&b={after.pk}": 16,
        f"/insights/changes?a={before.pk}&b=now": 16,
        "/insights/accuracy?period=2026 Q2": 10,
        "/insights/portfolio": 14,
        "/insights/matrix": 12,
    }
    for path, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert api.client.get("/api/v1" + path, **api._headers()).status_code == 200, path
    pages = {
        reverse("analysis:changes"): 16,
        reverse("analysis:changes") + f"?a={before.pk}&b=now": 16,
        reverse("analysis:accuracy") + "?period=2026 Q2": 12,
    }
    for path, budget in pages.items():
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200, path
