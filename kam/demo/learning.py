"""The demo's learning: the win-probability model trained on the demo's closed deals."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.winprob.services import train


def build(builder: Any, rng: random.Random) -> None:
    """Train once at the end of the build, as the nightly task would (a few seconds), so the
    opportunity pages and the pipeline table show the learned probability from the start, or the
    backtest page says why not."""
    now = timezone.now()
    today = getattr(builder, "today", None)
    if isinstance(today, dt.date) and today != now.date():
        # A demo built for another day: the model's "now" is that day, at this hour.
        now = dt.datetime.combine(today, now.timetz())
    train(now=now)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    # The versions trained on the demo's deals go with them (their predictions name those deals).
    trained = WinPrediction.objects.filter(opportunity__in=deals).values("model_id")
    WinModel.objects.filter(pk__in=trained).delete()
