"""Plans and cascades for the OGSM tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kam.customers.models import Customer
from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan, GoalMetric, PlanStatus
from kam.planning.accountplans.ogsm import services


def make_plan(customer: Customer, owner: User, *, year: int = 2026, **fields: Any) -> AccountPlan:
    fields.setdefault("status", PlanStatus.DRAFT)
    return AccountPlan.objects.create(customer=customer, owner=owner, created_by=owner, year=year, **fields)


def make_cascade(plan: AccountPlan, by: User, *, due: dt.date = dt.date(2026, 6, 30)) -> dict[str, Any]:
    """One branch: objective → goal → strategy → measure → action."""
    objective = services.add_objective(plan, by=by, text="Become the preferred supplier")
    goal = services.add_goal(
        objective, by=by, text="Grow revenue", target=Decimal("1000"), metric=GoalMetric.MANUAL
    )
    strategy = services.add_strategy(goal, by=by, text="Win the furnace line")
    measure = services.add_measure(strategy, by=by, text="Technical exchange held", target="2 per quarter")
    action = services.add_action(measure, by=by, text="Invite the chief engineer", owner=by, due_date=due)
    return {"objective": objective, "goal": goal, "strategy": strategy, "measure": measure, "action": action}
