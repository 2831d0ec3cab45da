"""The backtest on constructed deals: it beats the stage rule where outcomes carry signal, and
falls back honestly where they do not or where the deals are too few."""

from __future__ import annotations

import pytest

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.winprob.services import train
from tests.insights.learning.winprob.constructed import NOW, build

pytestmark = pytest.mark.django_db


def test_with_signal_the_model_beats_the_stage_rule():
    open_deals = build(300, n_open=10)
    model = train(now=NOW)
    metrics = model.metrics
    assert model.verdict == WinModel.Verdict.BEATS, metrics
    assert model.active
    assert metrics["model"]["brier"] < metrics["rule"]["brier"]
    assert metrics["model"]["log_loss"] < metrics["rule"]["log_loss"]
    assert metrics["calibration"]
    assert model.parameters["deals_used"] == 300
    assert WinPrediction.objects.filter(model=model).count() == len(open_deals)
