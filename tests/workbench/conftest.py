"""A small week of work on top of the `world`: a move, a slip, a win, a flag, next steps, targets,
an approval waiting for the east manager and a key account nobody touched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.activities import services as activity_services
from kam.activities.models import ActivityKind
from kam.core.periods import quarter_bounds
from kam.customers.models import Customer, Segment
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import Target
from kam.planning.approvals import services as approval_services
from kam.planning.approvals.models import ApprovalFlow, ApprovalStep, ApproverKind
from tests.factories import make_opportunity, stage


@pytest.fixture
def bench(world):
    w = world
    today = timezone.localdate()
    start, end = quarter_bounds(today.year, (today.month - 1) // 3 + 1)
    w.today = today

    # east_opp advances P0 → P1 (20 %) this week; east_opp2's sign date slips a month.
    opportunity_services.move_stage(w.east_opp, stage("P1"), by=w.east_rep, key_node_confirmed=True)
    w.east_opp.refresh_from_db()
    opportunity_services.update_opportunity(
        w.east_opp2, by=w.east_rep2, version=None, sign_date=w.east_opp2.sign_date + dt.timedelta(days=31)
    )
    # A win this quarter for east_rep, and one for west_rep.
    w.east_won = make_opportunity(
        owner=w.east_rep,
        customer=w.east_customer,
        name="East crane",
        amount=Decimal("300000"),
        sign_date=today,
    )
    opportunity_services.close_opportunity(
        w.east_won, by=w.east_rep, status=OpportunityStatus.WON, reason="Signed"
    )
    w.west_won = make_opportunity(
        owner=w.west_rep,
        customer=w.west_customer,
        name="West pump",
        amount=Decimal("700000"),
        sign_date=today,
    )
    opportunity_services.close_opportunity(
        w.west_won, by=w.west_rep, status=OpportunityStatus.WON, reason="Signed"
    )

    Target.objects.create(user=w.east_rep, period_start=start, period_end=end, amount=Decimal("600000"))
    Target.objects.create(team=w.east, period_start=start, period_end=end, amount=Decimal("1000000"))
    Target.objects.create(team=w.west, period_start=start, period_end=end, amount=Decimal("5000000"))

    call = ActivityKind.objects.get(code="call")
    now = timezone.now()
    w.step_today = activity_services.create_activity(
        by=w.east_rep,
        kind=call,
        customer=w.east_customer,
        opportunity=w.east_opp,
        start=now - dt.timedelta(hours=1),
        summary="Call about the furnace",
        next_step="Send the revised quote",
        next_step_due=today,
    )
    # Long overdue: no longer carried as a to-do.
    activity_services.create_activity(
        by=w.east_rep,
        kind=call,
        customer=w.east_customer,
        start=now - dt.timedelta(days=60),
        summary="Old call",
        next_step="Forgotten step",
        next_step_due=today - dt.timedelta(days=40),
    )
    activity_services.create_activity(
        by=w.west_rep,
        kind=call,
        customer=w.west_customer,
        start=now - dt.timedelta(hours=2),
        summary="West call",
        next_step="West step",
        next_step_due=today,
    )
    # Key accounts: East Steel was just touched (the call); east_rep2's customer never was.
    w.east_customer2 = w.east_opp2.customer
    Customer.objects.filter(pk__in=[w.east_customer.pk, w.east_customer2.pk, w.west_customer.pk]).update(
        segment=Segment.KEY
    )

    flow = ApprovalFlow.objects.create(code="bench", name="bench", name_en="Bench")
    ApprovalStep.objects.create(flow=flow, order=1, name="manager", approver_kind=ApproverKind.MANAGER)
    w.approval = approval_services.submit(w.east_opp, flow_code="bench", by=w.east_rep)
    # Flags are stored by kam.insights (recomputed on every write above): set last, as a rule would.
    # Only these two are flagged, whatever the live rules made of the writes above.
    Opportunity.objects.update(health_rank=0)
    Opportunity.objects.filter(pk=w.east_opp.pk).update(health_rank=2)
    Opportunity.objects.filter(pk=w.west_opp.pk).update(health_rank=3)
    return w
