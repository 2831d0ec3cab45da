"""Portfolio shape: the diagnosis on constructed portfolios, its thresholds as data, the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.insights.models import PortfolioPolicy
from kam.insights.review.portfolio import diagnose, portfolio_shape
from tests.factories import UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


def policy(**changes) -> PortfolioPolicy:
    current = PortfolioPolicy.current()
    for name, value in changes.items():
        setattr(current, name, value)
    return current


# Stage orders: P0–P2 early (orders 0–2), P3 middle, P4–P7 late (orders 4–7) by default.
@pytest.mark.parametrize(
    "counts,expected",
    [
        ({0: 1, 5: 3}, "few"),  # 4 open, 5 needed
        ({}, "few"),
        ({0: 1, 3: 3, 5: 1}, "balanced"),  # exactly 5 open, exactly 20 % early and late
        ({0: 2, 3: 4, 5: 3}, "balanced"),
        ({0: 2, 3: 6, 5: 2}, "balanced"),  # 20 % / 20 %: the boundary counts
        ({0: 1, 3: 7, 5: 2}, "follow_up_only"),  # early 10 %
        ({4: 3, 6: 2}, "follow_up_only"),
        ({0: 2, 3: 7, 5: 1}, "development_only"),  # late 10 %
        ({0: 5, 1: 1}, "development_only"),
        ({3: 6}, "middle"),
        ({0: 1, 3: 8, 4: 1}, "middle"),
    ],
)
def test_diagnosis_of_constructed_portfolios(counts, expected):
    assert diagnose(counts, policy()).code == expected


def test_share_just_below_min_share_is_not_enough():
    # 19 of 100 early (19 %) with min_share 20: no reserve.
    assert diagnose({0: 19, 3: 41, 5: 40}, policy()).code == "follow_up_only"
    # 199 of 1000 rounds to 20 % for display but is below the threshold.
    result = diagnose({0: 199, 3: 401, 5: 400}, policy())
    assert result.code == "follow_up_only" and result.early_share == 20


def test_reasoning_states_the_numbers():
    result = diagnose({0: 2, 3: 1, 5: 6}, policy())
    assert result.code == "balanced"
    assert result.reasoning.startswith("2 of 9 opportunities (22 %) are early, 6 (67 %) late")
    few = diagnose({0: 1, 5: 2}, policy())
    assert "3 open, fewer than the 5 needed" in few.reasoning


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({}, "balanced"),
        ({"min_share": 30}, "middle"),
        ({"min_open": 11}, "few"),
        ({"early_max_order": 3}, "balanced"),
        ({"late_min_order": 6}, "development_only"),
    ],
)
def test_thresholds_in_the_policy_change_the_outcome(changes, expected):
    assert diagnose({0: 2, 3: 6, 5: 2}, policy(**changes)).code == expected


def test_policy_row_edited_by_an_admin_changes_the_shape(world):
    rep = world.east_rep
    for code in ("P1", "P3", "P3", "P5"):
        make_opportunity(owner=rep, customer=world.east_customer, stage_code=code)
    row = next(r for r in portfolio_shape(world.director).reps if r.key == rep.pk)
    assert row.diagnosis.code == "balanced"  # P0 (world), P1, P3, P3, P5: 2 early, 1 late of 5
    PortfolioPolicy.objects.filter(pk=1).update(min_open=6)
    row = next(r for r in portfolio_shape(world.director).reps if r.key == rep.pk)
    assert row.diagnosis.code == "few"


def test_shape_counts_and_amounts_per_stage(world):
    rep = world.east_rep
    make_opportunity(owner=rep, customer=world.east_customer, stage_code="P3", amount=300)
    make_opportunity(owner=rep, customer=world.east_customer, stage_code="P3", amount=200)
    shape = portfolio_shape(world.east_rep)
    assert [r.key for r in shape.reps] == [rep.pk]
    assert shape.teams == []
    row = shape.reps[0]
    cells = {s.code: c for s, c in zip(shape.stages, shape.cells(row), strict=True)}
    assert cells["P3"] == {"count": 2, "amount": 500}
    assert cells["P0"]["count"] == 1
    assert row.total_count == 3


def test_manager_sees_their_teams_reps_and_team(world):
    shape = portfolio_shape(world.east_mgr)
    assert {r.key for r in shape.reps} == {world.east_rep.pk, world.east_rep2.pk}
    assert [t.key for t in shape.teams] == [world.east.pk]
    # Two reps: the team needs twice the minimum; it has two opportunities.
    assert shape.teams[0].diagnosis.code == "few"
    assert "fewer than the 10 needed" in shape.teams[0].diagnosis.reasoning
    director = portfolio_shape(world.director)
    assert {world.east_rep.pk, world.west_rep.pk} <= {r.key for r in director.reps}
    assert {world.east.pk, world.west.pk} <= {t.key for t in director.teams}


def test_portfolio_page_shows_diagnosis_and_reasoning(client, world, password):
    client.login(username="east_mgr", password=password)
    response = client.get(reverse("analysis:portfolio"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Few and unstable" in html and "fewer than the 5 needed" in html
    assert world.west_rep.name not in html
    assert 'id="portfolio-chart"' in html
    assert client.get(reverse("analysis:portfolio") + f"?team={world.west.pk}").status_code == 404
    assert client.get(reverse("analysis:portfolio") + f"?team={world.east.pk}").status_code == 200


def test_rep_sees_only_their_own_portfolio(client, world, password):
    client.login(username="east_rep", password=password)
    html = client.get(reverse("analysis:portfolio")).content.decode()
    assert world.east_rep.name in html
    assert world.east_rep2.name not in html
    assert client.get(reverse("analysis:portfolio") + f"?team={world.east.pk}").status_code == 404


@pytest.mark.parametrize("count", [10, 60])
def test_portfolio_page_queries_do_not_grow(client, world, password, count, django_assert_max_num_queries):
    reps = [UserFactory(team=world.east) for _ in range(3)]
    for i in range(count):
        make_opportunity(owner=reps[i % 3], customer=world.east_customer, stage_code=f"P{i % 7}")
    client.login(username="east_mgr", password=password)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("analysis:portfolio"))
    assert response.status_code == 200
