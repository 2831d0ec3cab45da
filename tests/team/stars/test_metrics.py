"""The metrics a criterion reads, computed from kam's data: 1×5 cells passed in the period,
satisfaction of the customers a person serves, the playbook certification held, target attainment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.delivery.models import SatisfactionSurvey
from kam.org.models import Target
from kam.team.playbook.models import CertificationElement, CertificationRecord
from kam.team.stars import metrics as star_metrics
from tests.activities.metrics.conftest import (
    metrics,  # noqa: F401
    process,  # noqa: F401
)

pytestmark = pytest.mark.django_db

JUNE = dt.date(2026, 6, 1), dt.date(2026, 6, 30)


def test_process_cells_passed_in_the_period(process):  # noqa: F811
    w = process
    ids = [w.east_rep.pk, w.east_rep2.pk, w.west_rep.pk]
    # June holds four whole weeks (1, 8, 15, 22; the 29th's runs into July) and one month: 5 cells.
    values = star_metrics.process_passed(ids, *JUNE)
    assert values[w.east_rep.pk] == Decimal("20.00")  # DM visits met in the week of the 1st
    assert values[w.east_rep2.pk] == Decimal("20.00")  # one tech exchange in June
    assert values[w.west_rep.pk] == Decimal("0.00")


def test_process_with_no_whole_cycle_in_the_period_is_zero(process):  # noqa: F811
    w = process
    assert star_metrics.compute(
        ["process_passed"], [w.east_rep.pk], dt.date(2026, 6, 2), dt.date(2026, 6, 3)
    ) == {"process_passed": {w.east_rep.pk: Decimal(0)}}


def test_satisfaction_is_the_mean_score_of_the_customers_a_person_serves(world):
    for overall, scale, day in (
        (4, "five", dt.date(2026, 3, 1)),
        (9, "nps", dt.date(2026, 4, 1)),
        (1, "five", dt.date(2025, 4, 1)),
    ):
        SatisfactionSurvey.objects.create(
            customer=world.east_customer,
            taken_on=day,
            scale=scale,
            overall=overall,
            recorded_by=world.east_mgr,
        )
    values = star_metrics.satisfaction(
        [world.east_rep.pk, world.west_rep.pk], dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert values == {world.east_rep.pk: Decimal("85.00")}  # (80 + 90) / 2; last year's survey left out


def test_certification_held_on_the_periods_last_day(world):
    for element in CertificationElement.objects.filter(is_active=True):
        CertificationRecord.objects.create(
            user=world.east_rep, element=element, passed=True, certified_on=dt.date(2026, 12, 31)
        )
    ids = [world.east_rep.pk, world.east_rep2.pk]
    assert star_metrics.certified(ids, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == {
        world.east_rep.pk: Decimal(1)
    }
    assert star_metrics.certified(ids, dt.date(2026, 1, 1), dt.date(2026, 12, 30)) == {}


@pytest.mark.parametrize(
    ("target", "expected"), [("2000000", "50.00"), ("1000000", "100.00"), ("800000", "125.00")]
)
def test_target_attainment_is_won_against_the_target(world, target, expected):
    from tests.team.stars.test_services import won

    won(world.east_opp, dt.date(2026, 5, 1), "1000000")
    Target.objects.create(
        user=world.east_rep,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        amount=Decimal(target),
    )
    values = star_metrics.target_attainment(
        [world.east_rep.pk, world.east_rep2.pk], dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert values == {world.east_rep.pk: Decimal(expected)}
