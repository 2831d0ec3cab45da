"""Where satisfaction reaches the lower layers: the customer list's churn-risk column (sortable),
the scoring model's dynamic sources read in the inputs' one customers query, the account plans'
SATISFACTION goal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.customers.models import DynamicSource
from kam.customers.scoring.inputs import dynamic_inputs
from kam.customers.scoring.selectors import format_input
from kam.delivery.satisfaction import services
from kam.planning.accountplans.models import GoalMetric
from kam.planning.accountplans.ogsm import selectors as ogsm_selectors
from kam.planning.accountplans.ogsm import services as ogsm_services
from tests.factories import PASSWORD, CustomerFactory
from tests.planning.accountplans.ogsm.helpers import make_plan

pytestmark = pytest.mark.django_db


def _nps(customer, by, score, on=dt.date(2026, 5, 1)):
    return services.record_survey(customer, by=by, taken_on=on, overall=score, scale="nps")


def test_the_customer_list_shows_and_sorts_by_churn_risk(client, world):
    other = CustomerFactory(name="Alpha Mill", owner=world.east_rep)
    _nps(world.east_customer, world.east_rep, 2)  # level 1: 80 %
    _nps(other, world.east_rep, 10)  # level 5: 1.5 %
    assert client.login(username=world.east_rep.username, password=PASSWORD)
    url = reverse("customers:list")
    body = client.get(url + "?sort=-churn_risk").content.decode()
    assert "Churn risk" in body and "80 %" in body and "1.5 %" in body
    assert body.index("East Steel") < body.index("Alpha Mill")
    ascending = client.get(url + "?sort=churn_risk").content.decode()
    assert ascending.index("Alpha Mill") < ascending.index("East Steel")


def test_the_scoring_inputs_read_satisfaction_and_churn_in_the_same_queries(world, django_assert_num_queries):
    _nps(world.east_customer, world.east_rep, 7)  # level 3: 20 %
    ids = [world.east_customer.pk, world.west_customer.pk]
    with django_assert_num_queries(3):
        inputs = dynamic_inputs(ids)
    assert inputs[world.east_customer.pk][DynamicSource.SATISFACTION] == Decimal(3)
    assert inputs[world.east_customer.pk][DynamicSource.CHURN_RISK] == Decimal("20")
    assert inputs[world.west_customer.pk][DynamicSource.SATISFACTION] is None
    assert format_input(DynamicSource.CHURN_RISK, Decimal("20")) == "20.0 %"
    assert format_input(DynamicSource.SATISFACTION, Decimal(3)) == "3 / 5"


def test_the_criteria_editor_offers_the_new_sources():
    from kam.customers.scoring.forms import NewCriterionForm

    choices = dict(NewCriterionForm.base_fields["source"].choices)  # type: ignore[attr-defined]
    assert (
        str(choices["satisfaction"]) == "Satisfaction (1–5)"
        and str(choices["churn_risk"]) == "Churn risk (%)"
    )


def test_the_satisfaction_goal_reads_the_latest_survey(world):
    rep = world.east_rep
    customer = CustomerFactory(name="Key Steel", owner=rep)
    plan = make_plan(customer, rep, year=2026)
    objective = ogsm_services.add_objective(plan, by=rep, text="Keep them happy")
    goal = ogsm_services.add_goal(
        objective, by=rep, text="Satisfaction", target=Decimal("4"), metric=GoalMetric.SATISFACTION
    )
    ogsm_services.update(goal, by=rep, version=goal.version, manual_actual=Decimal("4.5"))
    # No survey yet: the hand entry stands.
    assert ogsm_selectors.goal_actuals([goal])[goal.pk] == Decimal("4.50")
    _nps(customer, rep, 5, on=dt.date(2026, 2, 1))  # level 2
    assert ogsm_selectors.goal_actuals([goal])[goal.pk] == Decimal("2.00")
    _nps(customer, rep, 9, on=dt.date(2026, 8, 1))  # level 5
    assert ogsm_selectors.goal_actuals([goal])[goal.pk] == Decimal("5.00")
