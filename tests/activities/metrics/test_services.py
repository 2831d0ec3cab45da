"""Defining 1×5 metrics: managers and above only, every value checked with a message per field."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.activities.metrics import services
from kam.activities.models import ActivityKind, ProcessMetric


def test_manager_defines_a_metric_with_kinds(world):
    kinds = list(ActivityKind.objects.filter(code__in=["visit", "meal"]))
    metric = services.create_metric(
        by=world.east_mgr,
        name="高层拜访",
        cycle="week",
        minimum=3,
        kinds=kinds,
        decision_role="decision_maker",
    )
    assert {k.code for k in metric.kinds.all()} == {"visit", "meal"}
    assert (metric.cycle, metric.minimum, metric.decision_role, metric.tier) == (
        "week",
        3,
        "decision_maker",
        "",
    )


def test_a_rep_may_not_define_change_or_remove_metrics(world):
    metric = services.create_metric(by=world.director, name="Visits", cycle="month", minimum=4)
    with pytest.raises(PermissionDenied):
        services.create_metric(by=world.east_rep, name="Mine", cycle="week", minimum=1)
    with pytest.raises(PermissionDenied):
        services.update_metric(metric, by=world.east_rep, minimum=1)
    with pytest.raises(PermissionDenied):
        services.delete_metric(metric, by=world.east_rep)
    assert ProcessMetric.objects.get(pk=metric.pk).minimum == 4


def test_bad_values_are_refused_per_field(world):
    with pytest.raises(ValidationError) as caught:
        services.create_metric(
            by=world.director, name=" ", cycle="year", minimum=0, tier="E", decision_role="boss"
        )
    assert set(caught.value.message_dict) == {"name", "cycle", "minimum", "tier", "decision_role"}
    assert not ProcessMetric.objects.exists()


def test_update_changes_only_what_is_given(world):
    metric = services.create_metric(by=world.director, name="Visits", cycle="month", minimum=4, tier="A")
    services.update_metric(
        metric, by=world.east_mgr, minimum=5, kinds=[ActivityKind.objects.get(code="demo")]
    )
    metric.refresh_from_db()
    assert (metric.minimum, metric.tier, metric.name) == (5, "A", "Visits")
    assert [k.code for k in metric.kinds.all()] == ["demo"]
    services.delete_metric(metric, by=world.east_mgr)
    assert not ProcessMetric.objects.filter(pk=metric.pk).exists()
