"""Training the win-probability model: backtest, versioned model, stored predictions."""

from __future__ import annotations

import datetime as dt

from kam.insights.learning.models import WinModel


def train(*, now: dt.datetime | None = None, store_predictions: bool = True) -> WinModel:
    """Build the features of every closed deal, backtest the model against the stage rule on
    time-based splits, fit it on all of them and save it as a new version (active when it beats
    the rule), with a prediction for each open deal when `store_predictions`."""
    raise NotImplementedError
