"""JSON shapes of the win-probability endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class FactorOut(Schema):
    code: str
    points: int
    words: str
    text: str


class ModelOut(Schema):
    id: int
    version: int
    trained_at: dt.datetime
    kind: str
    verdict: str
    active: bool
    beats_baseline: bool
    why_not: str
    data: dict[str, Any]
    metrics: dict[str, Any]


class ModelListOut(Schema):
    items: list[ModelOut]


class PredictionOut(Schema):
    opportunity_id: int
    shown: bool
    probability: int | None
    stage_probability: int
    model_version: int | None
    factors: list[FactorOut]
    why_not: str
