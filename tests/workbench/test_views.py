"""The workbench page: the home redirect, the tiles' links and their filters, the to-dos, the lists
behind the tiles, empty states, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.activities import services as activity_services
from kam.activities.models import ActivityKind
from tests.factories import CustomerFactory, make_opportunity


def test_home_opens_the_workbench(client, world, password):
    client.login(username="east_rep", password=password)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:home")


def test_rep_tiles_link_to_their_filtered_lists(client, bench, password):
    client.login(username="east_rep", password=password)
    page = unescape(client.get(reverse("workbench:home")).content.decode())
    rep = bench.east_rep.pk
    quarter = f"{bench.today.year}+Q{(bench.today.month - 1) // 3 + 1}"
    assert f'href="/opportunities/?owner={rep}&status=open" data-tile="open_pipeline"' in page
    assert (
        f'href="/opportunities/?owner={rep}&status=won&sign_quarter={quarter}" data-tile="won_quarter"'
        in page
    )
    assert f'href="/opportunities/?owner={rep}&status=open&flagged=1" data-tile="flagged"' in page
    assert f'href="/activities/policy/under-visited/?owner={rep}" data-tile="visits_due"' in page
    assert "50% of the target" in page
    assert "Send the revised quote" in page and "Forgotten step" not in page
    # The pipeline table is one click away.
    assert 'id="pipeline-link"' in page
    # A rep's workbench shows no team tiles.
    assert 'data-tile="changed"' not in page


def test_a_tile_link_opens_the_same_deals(client, bench, password):
    """The flagged tile's count is what its link lists."""
    client.login(username="east_rep", password=password)
    listed = client.get(f"/opportunities/?owner={bench.east_rep.pk}&status=open&flagged=1").content.decode()
    assert "East furnace" in listed and "West turbine" not in listed


def test_manager_workbench_lists_and_links(client, bench, password):
    client.login(username="east_mgr", password=password)
    page = unescape(client.get(reverse("workbench:home")).content.decode())
    assert 'href="/opportunities/?status=open" data-tile="open_pipeline"' in page
    for key in ("approvals", "changed", "quiet_accounts"):
        assert f'data-tile="{key}"' in page
    assert bench.approval.title in page

    changes = client.get(reverse("workbench:changes")).content.decode()
    assert "East furnace" in changes and "East rolling mill" in changes and "West turbine" not in changes
    assert "moved stage" in changes and "sign date slipped" in changes
    quiet = client.get(reverse("workbench:quiet_accounts")).content.decode()
    assert bench.east_customer2.name in quiet and "East Steel" not in quiet
    steps = client.get(reverse("workbench:next_steps")).content.decode()
    assert "Send the revised quote" in steps and "West step" not in steps


def test_new_rep_sees_where_to_start(client, world, password):
    from tests.factories import UserFactory

    UserFactory(username="newcomer", team=world.east)
    client.login(username="newcomer", password=password)
    page = client.get(reverse("workbench:home")).content.decode()
    assert "Welcome to your workbench" in page
    assert "No open opportunities yet" in page


def test_workbench_in_chinese(client, bench, password):
    client.login(username="east_mgr", password=password)
    page = client.get(reverse("workbench:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "工作台" in page and "今日待办" in page


def _more_work(world, n: int) -> None:
    call = ActivityKind.objects.get(code="call")
    for i in range(n):
        customer = CustomerFactory(owner=world.east_rep2)
        deal = make_opportunity(owner=world.east_rep2, customer=customer, name=f"Extra {i}")
        activity_services.create_activity(
            by=world.east_rep2,
            kind=call,
            customer=customer,
            opportunity=deal,
            start=timezone.now() - dt.timedelta(hours=1),
            summary=f"Extra call {i}",
            next_step=f"Extra step {i}",
            next_step_due=timezone.localdate(),
        )


def test_workbench_query_count_does_not_grow_with_the_data(
    client, bench, password, django_assert_max_num_queries
):
    client.login(username="east_mgr", password=password)
    url = reverse("workbench:home")
    client.get(url)  # warm the per-process caches (content types, health rules)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    _more_work(bench, 4)
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get(url).content.decode()
    assert "Extra step 0" in page
    # Session and user, two levels of teams, then one statement per figure and per to-do list.
    with django_assert_max_num_queries(18):
        client.get(url)
    client.login(username="east_rep", password=password)
    client.get(url)
    with django_assert_max_num_queries(13):
        client.get(url)
