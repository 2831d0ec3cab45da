"""The backtest on constructed deals: it beats the stage rule where outcomes carry signal, and
falls back honestly where they do not or where the deals are too few; versions and predictions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.winprob import selectors
from kam.insights.learning.winprob.services import train
from tests.insights.learning.winprob.constructed import NOW, build

pytestmark = pytest.mark.django_db


def test_with_signal_the_model_beats_the_stage_rule_and_predicts_the_open_deals():
    open_deals = build(300, n_open=10)
    model = train(now=NOW)
    metrics = model.metrics
    assert model.verdict == WinModel.Verdict.BEATS, metrics
    assert model.active
    assert metrics["model"]["brier"] < metrics["rule"]["brier"]
    assert metrics["model"]["log_loss"] < metrics["rule"]["log_loss"]
    assert metrics["model"]["brier"] < metrics["base_rate"]["brier"]
    # The calibration deciles hold every test sample, and the learned means sit near the outcomes.
    table = metrics["calibration"]
    assert sum(row["samples"] for row in table) == metrics["test_samples"]
    low, high = table[0], table[-1]
    assert low["won"] < high["won"]
    # The data it used: every closed deal, seen at its three stage entries (no snapshots here).
    assert model.parameters["deals_used"] == 300
    assert model.parameters["sources"]["stage_entries"] == 900
    assert model.parameters["sources"]["snapshot_rows"] == 0
    assert "dm_level" in model.parameters["features"]
    assert WinPrediction.objects.filter(model=model).count() == len(open_deals)
    assert selectors.why_not(model) == ""


def test_shuffled_outcomes_fall_back_and_the_page_says_why():
    build(300, n_open=5, shuffled=True)
    model = train(now=NOW)
    assert model.verdict in (WinModel.Verdict.NO_SIGNAL, WinModel.Verdict.RULE_BETTER), model.metrics
    assert not model.active
    assert selectors.active_model() is None
    # No prediction is on show (the stored ones belong to an inactive version).
    assert selectors.predictions_for(WinPrediction.objects.values_list("opportunity_id", flat=True)) == {}
    reason = selectors.why_not(model)
    assert reason.startswith("No signal") or reason.startswith("The stage rule did as well")


def test_too_few_closed_deals_trains_no_model(settings):
    build(40, n_open=3)
    model = train(now=NOW)
    assert model.verdict == WinModel.Verdict.TOO_FEW
    assert not model.active and not model.blob and model.metrics == {}
    assert not WinPrediction.objects.exists()
    assert "Too few closed deals: 40 closed deals" in selectors.why_not(model)
    # The threshold is a setting.
    settings.WINPROB_MIN_CLOSED_DEALS = 30
    assert train(now=NOW).parameters["min_closed_deals"] == 30


def test_each_training_is_a_new_version_and_keeps_the_old_predictions():
    open_deals = build(300, n_open=4)
    first = train(now=NOW)
    second = train(now=NOW)
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert second.active and not first.active
    assert WinModel.objects.filter(active=True).count() == 1
    # Both versions' predictions stay, so accuracy can later compare them (and the rule).
    for version in (first, second):
        assert WinPrediction.objects.filter(model=version).count() == len(open_deals)
    shown = selectors.prediction_for(open_deals[0].pk)
    assert shown is not None and shown.model_id == second.pk
    assert 0 < shown.probability < 1
    assert shown.stage_probability == open_deals[0].stage.probability


def test_kam_learn_trains_and_reports(capsys):
    build(40)
    call_command("learn")
    out = capsys.readouterr().out
    assert "Version 1" in out and "too_few" in out
    assert WinModel.objects.count() == 1
