"""Two people recording a review of one plan from the same version at the same moment: one review
lands, the other is a conflict, on PostgreSQL's READ COMMITTED."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from kam.core.errors import ConflictError
from kam.planning.accountplans.models import AccountPlan, PlanChange, PlanChangeAction, PlanReview
from kam.planning.accountplans.reviews import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_reviewers_from_one_version_one_lands_the_other_conflicts(world, make_plan):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    plan = make_plan(world.east_customer, segment="key", next_due=timezone.localdate())
    version = plan.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(by, conclusions: str) -> None:
        try:
            mine = AccountPlan.objects.select_related("customer").get(pk=plan.pk)
            barrier.wait(timeout=30)
            services.record_review(
                mine, by=by, held_on=timezone.localdate() - dt.timedelta(days=1), conclusions=conclusions,
                version=version,
            )  # fmt: skip
            outcomes.append("written")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=(world.east_rep, "A")),
        threading.Thread(target=write, args=(world.east_mgr, "B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "written"]
    assert PlanReview.objects.filter(plan_id=plan.pk).count() == 1
    assert PlanChange.objects.filter(plan_id=plan.pk, action=PlanChangeAction.REVIEWED).count() == 1
    assert AccountPlan.objects.get(pk=plan.pk).version == version + 1
