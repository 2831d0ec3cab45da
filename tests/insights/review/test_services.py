"""Snapshots taken: what a snapshot stores, the command and the scheduled task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kam.insights.models import Snapshot, SnapshotRow
from kam.insights.review import services as review_services
from kam.insights.tasks import take_snapshot_task
from kam.opportunities import services
from kam.opportunities.models import OpportunityStatus
from tests.factories import make_opportunity, stage
from tests.insights.review.conftest import set_category

pytestmark = pytest.mark.django_db


def test_snapshot_stores_every_open_opportunity_with_its_state(world):
    ranged = make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        stage_code="P2",
        amount=None,
        amount_low=Decimal("100"),
        amount_high=Decimal("300"),
        product_line="Furnaces",
    )
    set_category(ranged, "commit")
    closed = make_opportunity(owner=world.west_rep, customer=world.west_customer)
    services.close_opportunity(closed, by=world.west_rep, status=OpportunityStatus.LOST, reason="price")

    snapshot = review_services.take_snapshot(by=world.director, note="weekly")

    rows = {r.opportunity_id: r for r in snapshot.rows.all()}
    assert set(rows) == {world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk, ranged.pk}
    row = rows[ranged.pk]
    assert row.amount == Decimal("200.00")
    assert (row.stage_id, row.stage_order, row.probability) == (stage("P2").pk, 2, 25)
    assert row.status == "open"
    assert row.owner_id == world.east_rep.pk and row.team_id == world.east.pk
    assert row.customer_id == world.east_customer.pk
    assert row.forecast_category == "commit" and row.product_line == "Furnaces"
    assert row.sign_date == dt.date(2027, 3, 31)
    assert row.project_number == ranged.project_number and row.name == ranged.name
    # No category of its own: the stage's default.
    assert rows[world.east_opp.pk].forecast_category == stage("P0").forecast_category
    assert snapshot.note == "weekly" and snapshot.taken_by == world.director


def test_snapshot_command_prints_the_count(world):
    out = StringIO()
    call_command("snapshot", "--note", "Monday", stdout=out)
    snapshot = Snapshot.objects.get()
    assert snapshot.note == "Monday"
    assert snapshot.rows.count() == 3
    assert "3" in out.getvalue()


def test_scheduled_task_takes_a_snapshot(world):
    result = take_snapshot_task.enqueue(note="weekly")
    assert result.status == "SUCCESSFUL"  # the tests' task backend runs it at once
    assert SnapshotRow.objects.filter(snapshot_id=result.return_value).count() == 3
