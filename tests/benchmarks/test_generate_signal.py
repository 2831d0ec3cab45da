"""The benchmark generator's closed deals carry the outcome signal (kam.demo.outcomes): the
decision maker's CR level and stance, the sign date's slips and the competition move the win
rate, with noise; the snapshots give each closed deal the stages it was seen in before it closed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from benchmarks.generate import ensure_snapshots, generate
from tests.factories import ensure_sales_processes

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def closed_world(db):
    ensure_sales_processes()
    generate(1500, seed=11, today=TODAY, closed_only=True, activities=False)
    return ensure_snapshots(today=TODAY)


def _win_rate(statuses: list[str]) -> float:
    assert len(statuses) >= 40, "too few deals in the group to compare"
    return sum(s == "won" for s in statuses) / len(statuses)


def test_closed_deals_outcomes_follow_relationships_slips_and_competition(closed_world):
    from kam.activities.models import Activity
    from kam.opportunities.models import (
        Opportunity,
        OpportunityChange,
        OpportunityCompetitor,
        OpportunityContact,
    )
    from kam.relationships.models import Relationship

    deals = dict(Opportunity.objects.values_list("id", "status"))
    assert len(deals) == 1500 and "open" not in deals.values()
    assert not Activity.objects.exists()
    shares = Counter(deals.values())
    assert 0.38 <= shares["won"] / 1500 <= 0.52 and shares["lost"] > shares["dropped"] > 0

    levels: dict[int, int] = {}
    for contact_id, level in Relationship.objects.values_list("contact_id", "level"):
        levels[contact_id] = max(levels.get(contact_id, 0), level)
    deciders = {
        deal: (levels.get(contact, 0), stance)
        for deal, contact, stance in OpportunityContact.objects.filter(
            decision_role="decision_maker"
        ).values_list("opportunity_id", "contact_id", "stance")
    }
    strong = [deals[d] for d, (level, stance) in deciders.items() if level >= 4 and stance == "A"]
    weak = [deals[d] for d, (level, stance) in deciders.items() if level <= 1 and stance == "C"]
    assert _win_rate(strong) >= 0.7 and _win_rate(weak) <= 0.15
    # Noise: neither group is all one outcome.
    assert _win_rate(weak) > 0 and _win_rate(strong) < 1

    slips = Counter(
        OpportunityChange.objects.filter(field="sign_date").values_list("opportunity_id", flat=True)
    )
    assert (
        _win_rate([s for d, s in deals.items() if not slips[d]])
        > _win_rate([s for d, s in deals.items() if slips[d] >= 2]) + 0.1
    )
    rivals = Counter(OpportunityCompetitor.objects.values_list("opportunity_id", flat=True))
    assert (
        _win_rate([s for d, s in deals.items() if not rivals[d]])
        > _win_rate([s for d, s in deals.items() if rivals[d] >= 2]) + 0.1
    )
    # Slips happen while the deal is open; lost deals name a competitor they met, when they met one.
    for change in OpportunityChange.objects.filter(field="sign_date").select_related("opportunity")[:200]:
        assert change.opportunity.created_at < change.changed_at < change.opportunity.closed_at
        assert change.old_value < change.new_value
    for deal in Opportunity.objects.filter(status="lost", lost_to__isnull=False)[:100]:
        assert deal.competitor_entries.filter(competitor=deal.lost_to).exists()


def test_snapshots_hold_the_deals_open_at_their_moment_in_that_moment_s_stage(closed_world):
    from kam.insights.models import Snapshot, SnapshotRow
    from kam.opportunities.models import StageChange

    snapshots = list(Snapshot.objects.order_by("taken_at"))
    assert len(snapshots) == 8 and closed_world == SnapshotRow.objects.count() > 1500
    assert snapshots[-1].taken_at.date() == TODAY - dt.timedelta(days=91)
    # A second call adds nothing.
    assert ensure_snapshots(today=TODAY) == 0
    for row in SnapshotRow.objects.select_related("snapshot", "opportunity", "stage")[:300]:
        deal, moment = row.opportunity, row.snapshot.taken_at
        assert deal.created_at <= moment < deal.closed_at
        last = (
            StageChange.objects.filter(opportunity=deal, changed_at__lte=moment)
            .order_by("-changed_at", "-id")
            .first()
        )
        assert row.stage_id == last.to_stage_id and row.stage_order == row.stage.order
        assert row.probability == row.stage.probability and row.status == "open"
    # The stage rule stays meaningful: deals seen in a later stage were won more often.
    rows = list(SnapshotRow.objects.values_list("stage_order", "opportunity__status"))
    early = [s for order, s in rows if order <= 2]
    late = [s for order, s in rows if order >= 5]
    assert _win_rate(late) > _win_rate(early) + 0.15


def test_the_learning_benchmark_trains_a_model_that_beats_the_stage_rule(closed_world):
    from django.db import connection

    from benchmarks import learning

    # The data is there already: prepare() keeps it (and refuses another number of deals).
    assert learning.prepare(1500, seed=11, log=print)
    assert not learning.prepare(1000, seed=11, log=print)
    row = learning.measure(1500, connection.vendor)
    assert row["name"] == "learning_train" and row["ms"] > 0 and row["goal_met"]
    assert row["note"].startswith("beats"), row["note"]
    from kam.insights.learning.models import WinModel

    model = WinModel.objects.get()
    assert model.active and model.metrics["model"]["brier"] < model.metrics["rule"]["brier"]
