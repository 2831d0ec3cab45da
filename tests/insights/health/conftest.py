"""Shared by the health tests: a quiet opportunity (no rule fires) at a fixed moment, its flags, rule
thresholds as data, decision chains, stage histories and slips built by hand (rules, engine, norms);
and a small flagged world plus many flagged deals (the pages and the API).

The page fixtures write with `.update()` and bare `objects.create()`, past the services that
would recompute the stored flags, so they recompute them explicitly (`store.recompute`) once the
data is in place: the pages read only what is stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.insights.health import store
from kam.insights.health.engine import scan
from kam.insights.models import HealthRule
from kam.opportunities.models import Opportunity, OpportunityChange, OpportunityContact, StageChange
from kam.relationships.services import set_relationship_level
from tests.factories import ContactFactory, CustomerFactory, make_opportunity, stage

# --- rules, engine, norms ----------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
TODAY = dt.date(2026, 11, 22)


def quiet(opportunity: Opportunity, **fields) -> Opportunity:
    """Put the opportunity where no rule fires, then apply `fields` (bypassing auto_now)."""
    values = {
        "sign_date": TODAY + dt.timedelta(days=200),
        "updated_at": NOW,
        "last_touch_at": NOW,
        "stage_entered_at": NOW,
        "amount": Decimal("100000"),
        **fields,
    }
    if "stage_code" in values:
        values["stage"] = stage(values.pop("stage_code"))
    Opportunity.objects.filter(pk=opportunity.pk).update(**values)
    return Opportunity.objects.get(pk=opportunity.pk)


def flags(opportunity: Opportunity, now: dt.datetime = NOW) -> dict[str, dict[str, str]]:
    result = scan(Opportunity.objects.filter(pk=opportunity.pk), now=now)
    return {flag["code"]: flag for flag in result.get(opportunity.pk, [])}


def set_thresholds(code: str, **thresholds) -> None:
    rule = HealthRule.objects.get(code=code)
    rule.thresholds = {**rule.thresholds, **thresholds}
    rule.save()


@pytest.fixture
def opp(world):
    return quiet(world.east_opp)


def _chain(opp, *entries):
    """entries: (decision_role, stance, level or None) per contact."""
    for role, stance_code, level in entries:
        contact = ContactFactory(customer=opp.customer)
        OpportunityContact.objects.create(
            opportunity=opp, contact=contact, decision_role=role, stance=stance_code
        )
        if level:
            set_relationship_level(contact, opp.owner, level, by=opp.owner, note="met")
    return opp


def _stays(owner, stage_code, days_list, next_code="P2"):
    """Completed stays in `stage_code` of the given lengths, on fresh opportunities of `owner`."""
    start = NOW - dt.timedelta(days=400)
    for days in days_list:
        other = make_opportunity(owner=owner, stage_code=next_code, name="history")
        StageChange.objects.filter(opportunity=other).delete()
        StageChange.objects.create(opportunity=other, to_stage=stage(stage_code), changed_at=start)
        StageChange.objects.create(
            opportunity=other,
            from_stage=stage(stage_code),
            to_stage=stage(next_code),
            changed_at=start + dt.timedelta(days=days),
        )
        quiet(other, stage_code=next_code)


def _changes(opp, *edits):
    for field, old, new in edits:
        OpportunityChange.objects.create(opportunity=opp, field=field, old_value=old, new_value=new)


# --- the pages and the API ---------------------------------------------------------------------


def _set(opportunity, **fields):
    if "stage_code" in fields:
        fields["stage"] = stage(fields.pop("stage_code"))
    Opportunity.objects.filter(pk=opportunity.pk).update(**fields)


def _today():
    return timezone.localdate()


@pytest.fixture
def flagged(world):
    """east_opp: sign date passed (critical); west_opp: amount missing (info); east_opp2: clean."""
    now = timezone.now()
    future = _today() + dt.timedelta(days=300)
    for opp in (world.east_opp, world.west_opp, world.east_opp2):
        _set(opp, updated_at=now, stage_entered_at=now, sign_date=future)
    _set(world.east_opp, sign_date=_today() - dt.timedelta(days=3))
    _set(world.west_opp, amount=None)
    store.recompute(Opportunity.objects.values_list("pk", flat=True))
    return world


def _add_flagged(world, n):
    rep = world.east_rep
    for i in range(n):
        customer = CustomerFactory(owner=rep)
        opp = make_opportunity(owner=rep, customer=customer, name=f"Deal {i}", stage_code="P4")
        contact = ContactFactory(customer=customer)
        OpportunityContact.objects.create(
            opportunity=opp, contact=contact, decision_role="decision_maker", stance="C"
        )
        _set(opp, sign_date=_today() - dt.timedelta(days=i + 1), amount=Decimal(1000 + i))
    store.recompute(Opportunity.objects.values_list("pk", flat=True))
