"""The stage summary (阶段总结) written when a deal leaves a stage forward: the move form, the
board's dialog, the move API, and the deal's stage history on the page and over JSON."""

import json

import pytest
from django.urls import reverse

from kam.opportunities.models import StageChange
from tests.factories import stage

pytestmark = pytest.mark.django_db


def test_move_form_keeps_the_summary_and_the_page_shows_it(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:move", args=[opp.pk]),
        {
            "to_stage": stage("P1").pk,
            "version": opp.version,
            "key_node_confirmed": "on",
            "achieved": "Budget owner confirmed",
            "carry_over": "Technical needs still vague",
        },
    )
    assert response.status_code == 302
    change = StageChange.objects.filter(opportunity=opp).first()
    assert (change.to_stage.code, change.achieved, change.carry_over) == (
        "P1",
        "Budget owner confirmed",
        "Technical needs still vague",
    )
    page = client.get(reverse("opportunities:detail", args=[opp.pk])).content.decode()
    history = page[page.index('id="stage-history"') :]
    assert "Budget owner confirmed" in history and "Technical needs still vague" in history
    # The move form offers the summary of the stage the deal is in now.
    assert 'name="achieved"' in page and 'name="carry_over"' in page
    assert "Stage summary of P1" in page


def test_board_move_posts_the_summary(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    board = client.get(reverse("opportunities:board")).content.decode()
    assert 'name="achieved"' in board and 'name="carry_over"' in board
    response = client.post(
        reverse("opportunities:move", args=[opp.pk]),
        {
            "to_stage": stage("P1").pk,
            "version": opp.version,
            "key_node_confirmed": "on",
            "achieved": "Facts verified",
            "carry_over": "",
        },
        HTTP_ACCEPT="application/json",
    )
    assert json.loads(response.content)["ok"] is True
    assert StageChange.objects.filter(opportunity=opp).first().achieved == "Facts verified"


def test_move_api_keeps_the_summary_and_history_returns_it(world, api_as):
    client = api_as(world.east_rep)
    path = f"/opportunities/{world.east_opp.pk}"
    moved = client.post(
        f"{path}/move",
        {"to_stage": "P1", "key_node_confirmed": True, "achieved": " Target set ", "carry_over": "Budget"},
        if_match=1,
    )
    assert moved.status_code == 200, moved.content
    latest = client.get(f"{path}/history").json()["stage_changes"][0]
    assert (latest["to_stage"]["code"], latest["achieved"], latest["carry_over"]) == (
        "P1",
        "Target set",
        "Budget",
    )


def test_move_api_refuses_an_overlong_summary(world, api_as):
    response = api_as(world.east_rep).post(
        f"/opportunities/{world.east_opp.pk}/move",
        {"to_stage": "P1", "key_node_confirmed": True, "achieved": "x" * 2001},
        if_match=1,
    )
    assert response.status_code == 422
    assert "achieved" in response.json()["errors"]
    assert StageChange.objects.filter(opportunity=world.east_opp).count() == 1
