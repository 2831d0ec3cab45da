"""Training the win-probability model: backtest, versioned model, stored predictions."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from kam.insights.learning.models import WinModel, WinPrediction
from kam.insights.learning.winprob import features as feat
from kam.opportunities.models import Stage

# Below this many closed deals the backtest's test period holds a few dozen deals: too few to tell
# a model from the stage rule (each decile of the calibration table would hold a handful), so no
# model is trained and the page says so. A setting, for a company that wants to wait for more.
MIN_CLOSED_DEALS = 60
# The model must beat the company's plain win rate by this share of its Brier score (a skill
# score), or the features carry no signal: on outcomes unrelated to them a model still learns
# the win rate and so may beat the stage rule's fixed percentages, which says nothing of the deals.
MIN_SKILL = 0.02
# Gradient boosting replaces the logistic regression only when its backtest Brier score is this
# share lower: the regression's factors are steadier and it trains faster.
BOOSTING_MARGIN = 0.03
# Time-based splits: cut at these shares of the closed deals (by close date); each fold trains on
# the deals closed before its cut and tests on those closed up to the next cut.
SPLITS = (0.55, 0.7, 0.85)
# Gradient boosting fits on at most this many samples (a random share beyond): its trees cost far
# more than the regression, and beyond this its backtest score no longer moves.
BOOSTING_MAX_SAMPLES = 50_000
# Training reads at most this many samples (deals at moments), a random even share of them beyond.
MAX_SAMPLES = 600_000
FACTORS_SHOWN = 3
CLIP = 1e-3


def min_closed_deals() -> int:
    return int(getattr(settings, "WINPROB_MIN_CLOSED_DEALS", MIN_CLOSED_DEALS))


def _logistic() -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(C=0.5, max_iter=1000))])


def _boosting() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_leaf_nodes=15, l2_regularization=1.0, random_state=0
    )


def _fit(kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Any:
    model = _logistic() if kind == WinModel.Kind.LOGISTIC else _boosting()
    if kind == WinModel.Kind.BOOSTING:
        # Drawn by weight, then fitted unweighted: the same deals' balance, without the weighted
        # percentiles its binning computes per feature (most of its time with weights).
        size = min(len(x), BOOSTING_MAX_SAMPLES)
        keep = np.random.default_rng(1).choice(len(x), size=size, replace=True, p=w / w.sum())
        x, y, w = x[keep], y[keep], np.ones(size)
    # One thread: the boosting's OpenMP threads fight the web and the database for a small
    # server's cores and ran many times slower than one thread alone.
    with threadpool_limits(limits=1):
        if kind == WinModel.Kind.LOGISTIC:
            model.fit(x, y, model__sample_weight=w)
        else:
            model.fit(x, y)
    return model


def brier(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(np.average((p - y) ** 2, weights=w))


def log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    q = np.clip(p, CLIP, 1 - CLIP)
    return float(np.average(-(y * np.log(q) + (1 - y) * np.log(1 - q)), weights=w))


def calibration_table(p: np.ndarray, rule: np.ndarray, y: np.ndarray, w: np.ndarray) -> list[dict[str, Any]]:
    """Deciles of the learned probability: deals in each, mean learned and rule probability, and
    the share that was won."""
    rows = []
    edges = np.linspace(0, 1, 11)
    for i in range(10):
        inside = (p >= edges[i]) & ((p < edges[i + 1]) if i < 9 else (p <= 1))
        if not inside.any():
            continue
        ww = w[inside]
        rows.append(
            {
                "low": round(float(edges[i]) * 100),
                "high": round(float(edges[i + 1]) * 100),
                "samples": int(inside.sum()),
                "predicted": round(float(np.average(p[inside], weights=ww)) * 100, 1),
                "rule": round(float(np.average(rule[inside], weights=ww)) * 100, 1),
                "won": round(float(np.average(y[inside], weights=ww)) * 100, 1),
            }
        )
    return rows


@dataclass
class Backtest:
    metrics: dict[str, Any]
    verdict: str
    kind: str


def _weights(opportunity: np.ndarray) -> np.ndarray:
    """Each deal weighs one, however many moments it was seen at."""
    _, inverse, counts = np.unique(opportunity, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def backtest(samples: feat.Samples, x: np.ndarray) -> Backtest:
    """Time-based splits: train on deals closed before each cut, test on the next ones; the pooled
    test predictions scored against the stage rule and against the plain win rate."""
    y, w = samples.won, _weights(samples.opportunity)
    rule = samples.stage_probability / 100.0
    closes = np.sort(np.unique(samples.closed_at))
    cuts = [closes[int(len(closes) * s)] for s in SPLITS] + [np.inf]
    tests: list[np.ndarray] = []
    preds: dict[str, list[np.ndarray]] = {WinModel.Kind.LOGISTIC: [], WinModel.Kind.BOOSTING: []}
    base: list[np.ndarray] = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        train = samples.closed_at < lo
        test = (samples.closed_at >= lo) & (samples.closed_at < hi)
        if not test.any() or len(np.unique(y[train])) < 2:
            continue
        tests.append(np.flatnonzero(test))
        base.append(np.full(int(test.sum()), np.average(y[train], weights=w[train])))
        for kind in preds:
            model = _fit(kind, x[train], y[train], w[train])
            with threadpool_limits(limits=1):
                preds[kind].append(model.predict_proba(x[test])[:, 1])
    if not tests:
        return Backtest({}, WinModel.Verdict.TOO_FEW, WinModel.Kind.LOGISTIC)
    idx = np.concatenate(tests)
    yt, wt, rt = y[idx], w[idx], rule[idx]
    bt = np.concatenate(base)
    scores = {kind: brier(np.concatenate(p), yt, wt) for kind, p in preds.items()}
    kind = WinModel.Kind.LOGISTIC
    if scores[WinModel.Kind.BOOSTING] < scores[WinModel.Kind.LOGISTIC] * (1 - BOOSTING_MARGIN):
        kind = WinModel.Kind.BOOSTING
    pt = np.concatenate(preds[kind])
    model_brier, rule_brier, base_brier = brier(pt, yt, wt), brier(rt, yt, wt), brier(bt, yt, wt)
    skill = 1 - model_brier / base_brier if base_brier > 0 else 0.0
    metrics = {
        "test_samples": int(len(idx)),
        "test_deals": int(len(np.unique(samples.opportunity[idx]))),
        "test_from": _date(float(cuts[0])),
        "test_won": round(float(np.average(yt, weights=wt)) * 100, 1),
        "model": {"brier": round(model_brier, 4), "log_loss": round(log_loss(pt, yt, wt), 4)},
        "rule": {"brier": round(rule_brier, 4), "log_loss": round(log_loss(rt, yt, wt), 4)},
        "base_rate": {"brier": round(base_brier, 4), "log_loss": round(log_loss(bt, yt, wt), 4)},
        "logistic_brier": round(scores[WinModel.Kind.LOGISTIC], 4),
        "boosting_brier": round(scores[WinModel.Kind.BOOSTING], 4),
        "skill": round(skill, 4),
        "calibration": calibration_table(pt, rt, yt, wt),
    }
    model_loss, rule_loss = log_loss(pt, yt, wt), log_loss(rt, yt, wt)
    verdict: str
    if skill < MIN_SKILL:
        verdict = WinModel.Verdict.NO_SIGNAL
    elif model_brier >= rule_brier or model_loss >= rule_loss:
        verdict = WinModel.Verdict.RULE_BETTER
    else:
        verdict = WinModel.Verdict.BEATS
    return Backtest(metrics, verdict, kind)


def _date(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date().isoformat()


def _subsample(samples: feat.Samples, limit: int) -> feat.Samples:
    if len(samples) <= limit:
        return samples
    keep = np.sort(np.random.default_rng(0).choice(len(samples), size=limit, replace=False))
    return feat.Samples(
        opportunity=samples.opportunity[keep],
        at=samples.at[keep],
        stage_order=samples.stage_order[keep],
        stage_probability=samples.stage_probability[keep],
        numeric=samples.numeric[keep],
        tier=samples.tier[keep],
        won=samples.won[keep],
        closed_at=samples.closed_at[keep],
        sources={**samples.sources, "subsampled_to": limit},
    )


def explain(
    model: Any, x: np.ndarray, means: np.ndarray, groups: dict[str, list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's probability and, per factor group, how many points it moves it: the deal's
    probability against the same deal with that group's features at the average deal's."""
    with threadpool_limits(limits=1):
        return _explain(model, x, means, groups)


def _explain(
    model: Any, x: np.ndarray, means: np.ndarray, groups: dict[str, list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    p = model.predict_proba(x)[:, 1]
    names = list(groups)
    moves = np.zeros((len(x), len(names)))
    for j, name in enumerate(names):
        cols = groups[name]
        if not cols:
            continue
        xx = x.copy()
        xx[:, cols] = means[cols]
        moves[:, j] = (p - model.predict_proba(xx)[:, 1]) * 100
    return p, moves


def top_factors(moves: np.ndarray, names: list[str], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups that move this deal's probability most, with the numbers their words quote."""
    order = np.argsort(-np.abs(moves))[:FACTORS_SHOWN]
    return [
        {
            "code": names[j],
            "points": int(round(float(moves[j]))),
            "facts": {k: facts.get(k) for k in feat.FACT_KEYS[names[j]]},
        }
        for j in order
        if round(float(moves[j])) != 0
    ]


def _next_version() -> int:
    return (WinModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1


def train(*, now: dt.datetime | None = None, store_predictions: bool = True) -> WinModel:
    """Build the features of every closed deal, backtest the model against the stage rule on
    time-based splits, fit it on all of them and save it as a new version (active when it beats
    the rule), with a prediction for each open deal when `store_predictions`."""
    now = now or timezone.now()
    started = timezone.now()
    stages = feat.load_stages()
    deals = feat.load_deals()
    closed_deals = int((~np.isnan(deals.closed_at)).sum())
    samples = _subsample(feat.closed_samples(deals, stages), MAX_SAMPLES)
    stage_orders = sorted(
        {int(o) for o in samples.stage_order} | {int(v[0]) for v in stages.values() if not v[2]}
    )
    x, names = feat.design(samples, stage_orders)
    data: dict[str, Any] = {
        "closed_deals": closed_deals,
        "deals_used": int(len(np.unique(samples.opportunity))),
        "samples": len(samples),
        "won_share": round(float(samples.won.mean()) * 100, 1) if len(samples) else None,
        "period": [_date(float(np.nanmin(samples.closed_at))), _date(float(np.nanmax(samples.closed_at)))]
        if len(samples)
        else None,
        "sources": samples.sources,
        "features": names,
        "stage_orders": stage_orders,
        "min_closed_deals": min_closed_deals(),
        "splits": list(SPLITS),
        "C": 0.5,
    }
    model: Any = None
    kind: str = WinModel.Kind.LOGISTIC
    verdict: str
    metrics: dict[str, Any] = {}
    deals_used = data["deals_used"]
    if deals_used < min_closed_deals() or len(np.unique(samples.won)) < 2:
        verdict = WinModel.Verdict.TOO_FEW
    else:
        result = backtest(samples, x)
        verdict, kind, metrics = result.verdict, result.kind, result.metrics
        if verdict != WinModel.Verdict.TOO_FEW:
            model = _fit(kind, x, samples.won, _weights(samples.opportunity))
    means = (
        np.average(x, axis=0, weights=_weights(samples.opportunity)) if len(samples) else np.zeros(len(names))
    )
    data["means"] = [round(float(v), 6) for v in means]
    data["seconds"] = round((timezone.now() - started).total_seconds(), 2)
    blob = b""
    if model is not None:
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        blob = buffer.getvalue()
    with transaction.atomic():
        beats = verdict == WinModel.Verdict.BEATS
        # A newer run speaks for the data as it is now: when it does not beat the rule, no
        # older model stays on show.
        WinModel.objects.filter(active=True).update(active=False)
        row = WinModel.objects.create(
            version=_next_version(),
            trained_at=now,
            kind=kind,
            verdict=verdict,
            parameters=data,
            metrics=metrics,
            blob=blob,
            active=beats,
        )
        if model is not None and store_predictions:
            predict_open(row, model=model, deals=deals, stages=stages, now=now)
    return row


def load_model(row: WinModel) -> Any:
    return joblib.load(io.BytesIO(bytes(row.blob))) if row.blob else None


def predict_open(
    row: WinModel,
    *,
    model: Any = None,
    deals: feat.Deals | None = None,
    stages: dict[int, tuple[int, int, bool]] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Store the version's prediction, with its top factors, for every open deal; returns how many."""
    model = model if model is not None else load_model(row)
    if model is None:
        return 0
    now = now or timezone.now()
    stages = stages or feat.load_stages()
    deals = deals or feat.load_deals()
    samples = feat.open_samples(deals, stages, now)
    if not len(samples):
        return 0
    x, names = feat.design(samples, row.parameters["stage_orders"])
    groups = feat.group_columns(names)
    means = np.array(row.parameters["means"], dtype=float)
    p, moves = explain(model, x, means, groups)
    group_names = list(groups)
    codes = dict(Stage.objects.values_list("pk", "code"))
    facts = feat.raw_facts(deals, samples, codes)
    WinPrediction.objects.filter(model=row).delete()
    WinPrediction.objects.bulk_create(
        (
            WinPrediction(
                model=row,
                opportunity_id=int(samples.opportunity[i]),
                probability=float(p[i]),
                stage_probability=int(samples.stage_probability[i]),
                factors=top_factors(moves[i], group_names, _facts_for(facts[i])),
                predicted_at=now,
            )
            for i in range(len(samples))
        ),
        batch_size=2000,
    )
    return len(samples)


def _facts_for(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in facts.items()}
