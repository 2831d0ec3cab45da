"""Shared by the weekly review's tests: a moment by its local date and time, an owner's forecast
category, and two weekly snapshots with a week's changes between them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from kam.insights.review import services as review_services
from kam.opportunities import rollups, services
from kam.opportunities.models import Opportunity
from tests.factories import make_opportunity, stage


def set_category(opportunity, category: str) -> None:
    # The owner's choice of forecast category; no service sets it at creation. A direct write, so
    # the rollup is kept here as the services keep it.
    with transaction.atomic(), rollups.track([opportunity.pk]):
        Opportunity.objects.filter(pk=opportunity.pk).update(forecast_category=category)


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day))


@pytest.fixture
def two_weeks(world):
    before = review_services.take_snapshot(taken_at=at("2026-11-02 07:00"), note="week 45")
    services.move_stage(world.east_opp, stage("P1"), by=world.east_rep, key_node_confirmed=True)
    services.close_opportunity(world.west_opp, by=world.west_rep, status="won", reason="signed")
    make_opportunity(owner=world.east_rep2, customer=world.east_customer, name="fresh", amount=Decimal("7"))
    after = review_services.take_snapshot(taken_at=at("2026-11-09 07:00"), note="week 46")
    return before, after
