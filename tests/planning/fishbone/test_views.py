"""The fishbone page: empty state, adding, editing and deleting causes through htmx and plain posts,
validation messages, conflicts, print controls, visibility, the strategy panel's line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.planning.fishbone import services
from kam.planning.fishbone.models import FishboneCause

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def east(client, world):
    client.force_login(world.east_rep)
    return client


def _url(opp) -> str:
    return reverse("planning_fishbone:opportunity", kwargs={"pk": opp.pk})


def test_an_empty_fishbone_says_what_to_do_and_can_be_printed(east, world):
    page = east.get(_url(world.east_opp)).content.decode()
    assert "No causes yet" in page
    assert "data-print" in page
    assert 'class="card no-print" id="fishbone-add"' in page
    assert page.count('class="bone"') == 6


def test_adding_a_cause_through_htmx_returns_the_workspace_with_it(east, world):
    response = east.post(
        _url(world.east_opp),
        {"bone": "competitor", "text": "Rival is cheaper", "status": "open", "action": "Show total cost"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="fishbone-workspace">')
    assert "Rival is cheaper" in body
    assert FishboneCause.objects.get().created_by == world.east_rep


def test_a_plain_post_redirects_back_to_the_page(east, world):
    response = east.post(_url(world.east_opp), {"bone": "service", "text": "Far away", "status": "open"})
    assert response.status_code == 302
    assert response["Location"] == _url(world.east_opp)


def test_a_bad_cause_shows_its_errors_and_saves_nothing(east, world):
    response = east.post(_url(world.east_opp), {"bone": "weather", "text": "", "status": "open"})
    assert response.status_code == 400
    assert b"errors" in response.content
    assert not FishboneCause.objects.exists()


def test_editing_a_cause_with_a_stale_version_says_so(east, world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="solution", text="Spec gap")
    services.update_cause(cause, by=world.east_rep, version=1, status="in_progress")
    url = reverse("planning_fishbone:cause_edit", kwargs={"pk": world.east_opp.pk, "cause_id": cause.pk})
    form = east.get(url, **HTMX).content.decode()
    assert 'id="fishbone-edit"' in form
    stale = {
        "edit-bone": "solution",
        "edit-text": "Spec gap closed",
        "edit-status": "done",
        "edit-version": "1",
    }
    response = east.post(url, stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    fresh = {**stale, "edit-version": "2"}
    assert east.post(url, fresh, **HTMX).status_code == 200
    cause.refresh_from_db()
    assert (cause.text, cause.status) == ("Spec gap closed", "done")


def test_deleting_a_cause(east, world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="solution", text="Spec gap")
    url = reverse("planning_fishbone:cause_delete", kwargs={"pk": world.east_opp.pk, "cause_id": cause.pk})
    assert east.post(url, {"version": "1"}, **HTMX).status_code == 200
    assert not FishboneCause.objects.exists()


def test_another_teams_fishbone_is_not_found(east, world):
    cause = services.add_cause(world.west_opp, by=world.west_rep, bone="solution", text="West secret")
    assert east.get(_url(world.west_opp)).status_code == 404
    assert (
        east.post(_url(world.west_opp), {"bone": "service", "text": "x", "status": "open"}).status_code == 404
    )
    edit = reverse("planning_fishbone:cause_edit", kwargs={"pk": world.west_opp.pk, "cause_id": cause.pk})
    assert east.get(edit).status_code == 404
    # A visible deal's address with another deal's cause: not found either.
    mixed = reverse("planning_fishbone:cause_edit", kwargs={"pk": world.east_opp.pk, "cause_id": cause.pk})
    assert east.get(mixed).status_code == 404


def test_the_strategy_panel_lists_the_fishbone_with_its_state(east, world):
    services.add_cause(world.east_opp, by=world.east_rep, bone="solution", text="Spec gap")
    panel = east.get(reverse("planning:opportunity_panel", kwargs={"pk": world.east_opp.pk})).content.decode()
    assert _url(world.east_opp) in panel
    assert "1 cause · 1 open · 0 in progress" in panel


def test_the_page_reads_a_fixed_number_of_queries(east, world, django_assert_max_num_queries):
    for i in range(12):
        services.add_cause(
            world.east_opp, by=world.east_rep, bone="competitor", text=f"cause {i}", owner=world.east_rep2
        )
    with django_assert_max_num_queries(12):
        assert east.get(_url(world.east_opp)).status_code == 200


def test_the_history_names_what_an_edit_changed_in_the_readers_words(east, world):
    cause = services.add_cause(world.east_opp, by=world.east_rep, bone="solution", text="Spec gap")
    services.update_cause(cause, by=world.east_rep, version=1, status="in_progress", bone="service")
    page = east.get(_url(world.east_opp)).content.decode()
    assert "Status: Open → In progress" in page
    assert "Bone: Solution → Service" in page
