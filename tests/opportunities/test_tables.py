"""Issue 17's table points on the opportunity side: days in stage (the column's sort, the stage
history's days), and the open exit criteria the move dialog shows before a move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.opportunities import selectors, services
from kam.opportunities.models import CriterionCheck, ExitCriterion, Opportunity, StageChange
from kam.opportunities.selectors import PipelineFilters, pipeline_page
from tests.factories import stage

pytestmark = pytest.mark.django_db


def test_days_in_stage_counts_calendar_days_and_sorts_longest_first(world):
    now = timezone.now()
    Opportunity.objects.filter(pk=world.east_opp.pk).update(stage_entered_at=now - dt.timedelta(days=30))
    Opportunity.objects.filter(pk=world.east_opp2.pk).update(stage_entered_at=now - dt.timedelta(days=3))
    Opportunity.objects.filter(pk=world.west_opp.pk).update(stage_entered_at=None)
    rows = pipeline_page(world.director, PipelineFilters(status="open"), "in_stage").rows
    assert [o.pk for o in rows] == [world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk]
    assert [o.days_in_stage for o in rows] == [30, 3, None]
    rows = pipeline_page(world.director, PipelineFilters(status="open"), "-in_stage").rows
    assert [o.pk for o in rows][:2] == [world.east_opp2.pk, world.east_opp.pk]


def test_stage_history_says_how_long_each_stage_lasted(client, world):
    opportunity = world.east_opp
    services.move_stage(opportunity, stage("P1"), by=world.east_rep, key_node_confirmed=True)
    now = timezone.now()
    entered, moved = StageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "id")
    StageChange.objects.filter(pk=entered.pk).update(changed_at=now - dt.timedelta(days=20))
    StageChange.objects.filter(pk=moved.pk).update(changed_at=now - dt.timedelta(days=5))
    history = selectors.with_days_in_stage(list(StageChange.objects.filter(opportunity=opportunity)), now=now)
    assert [(c.to_stage.code, c.days_in_stage) for c in history] == [("P1", 5), ("P0", 15)]
    client.force_login(world.east_rep)
    html = client.get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    assert '<td class="num days-in-stage">5</td>' in html and '<td class="num days-in-stage">15</td>' in html


def test_move_dialog_fragment_lists_the_unchecked_exit_criteria_of_the_current_stage(client, world):
    opportunity = world.east_opp
    criteria = list(ExitCriterion.objects.filter(stage=opportunity.stage).order_by("order", "id"))
    assert len(criteria) >= 2
    CriterionCheck.objects.create(opportunity=opportunity, criterion=criteria[0], checked_by=world.east_rep)
    client.force_login(world.east_rep)
    url = reverse("opportunities:open_criteria", args=[opportunity.pk])
    html = client.get(url).content.decode()
    assert criteria[0].display_text not in html
    assert all(c.display_text in html for c in criteria[1:])
    assert f"{len(criteria) - 1} exit criteri" in html
    # Someone who cannot see the deal learns nothing, not even that it exists.
    client.force_login(world.west_rep)
    assert client.get(url).status_code == 404


def test_move_dialog_fragment_says_when_nothing_is_open(client, world):
    opportunity = world.east_opp
    for criterion in ExitCriterion.objects.filter(stage=opportunity.stage):
        CriterionCheck.objects.create(opportunity=opportunity, criterion=criterion, checked_by=world.east_rep)
    client.force_login(world.east_rep)
    html = client.get(reverse("opportunities:open_criteria", args=[opportunity.pk])).content.decode()
    assert "No exit criterion of P0 is open." in html


def test_board_cards_carry_the_fragments_address(client, world):
    client.force_login(world.east_rep)
    html = client.get(reverse("opportunities:board")).content.decode()
    assert f'data-criteria-url="{reverse("opportunities:open_criteria", args=[world.east_opp.pk])}"' in html
    assert 'class="open-criteria"' in html
