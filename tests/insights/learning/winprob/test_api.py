"""The win-probability endpoints: versions and backtest for directors and administrators only, a
deal's prediction for whoever sees the deal."""

from __future__ import annotations

import pytest

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.winprob.services import train
from tests.insights.learning.winprob.constructed import NOW, build

pytestmark = pytest.mark.django_db


def test_models_and_backtest_are_for_directors_and_administrators(world, api_as):
    assert api_as(world.director).get("/insights/learning/winprob/backtest").status_code == 404
    build(40)
    model = train(now=NOW)
    rep, director = api_as(world.east_rep), api_as(world.director)
    assert rep.get("/insights/learning/winprob/models").status_code == 403
    assert rep.get("/insights/learning/winprob/backtest").status_code == 403
    assert api_as(world.east_mgr).get(f"/insights/learning/winprob/models/{model.pk}").status_code == 403
    body = director.get("/insights/learning/winprob/models").json()
    assert [m["version"] for m in body["items"]] == [1]
    assert body["items"][0]["verdict"] == "too_few"
    assert "means" not in body["items"][0]["data"]
    backtest = api_as(world.admin).get("/insights/learning/winprob/backtest").json()
    assert backtest["beats_baseline"] is False and backtest["why_not"].startswith("Too few closed deals")
    assert director.get(f"/insights/learning/winprob/models/{model.pk + 1}").status_code == 404
    assert director.get("/insights/learning/winprob/models/abc").status_code == 404


def test_a_deals_prediction_with_its_factors(world, api_as):
    open_deals = build(300, n_open=2)
    model = train(now=NOW)
    assert model.active
    deal = open_deals[0]
    body = api_as(deal.owner).get(f"/insights/learning/winprob/opportunities/{deal.pk}").json()
    stored = WinPrediction.objects.get(model=model, opportunity=deal)
    assert body["shown"] is True
    assert body["probability"] == stored.percent
    assert body["model_version"] == model.version
    assert 1 <= len(body["factors"]) <= 3
    assert body["factors"][0]["text"].startswith(body["factors"][0]["words"] + ": ")
    # Someone who does not see the deal gets a 404, as for the deal itself.
    assert (
        api_as(world.west_rep).get(f"/insights/learning/winprob/opportunities/{deal.pk}").status_code == 404
    )


def test_no_active_model_says_why(world, api_as):
    build(40)
    train(now=NOW)
    body = api_as(world.east_rep).get(f"/insights/learning/winprob/opportunities/{world.east_opp.pk}").json()
    assert body["shown"] is False and body["probability"] is None and body["factors"] == []
    assert body["stage_probability"] == world.east_opp.stage.probability
    assert body["why_not"].startswith("Too few closed deals")
    assert not WinModel.objects.filter(active=True).exists()
