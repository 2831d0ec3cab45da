"""JSON shapes of the win-probability endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class WinFactorOut(Schema):
    code: str
    points: int
    words: str
    text: str


class WinModelOut(Schema):
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


class WinModelListOut(Schema):
    items: list[WinModelOut]


class WinPredictionOut(Schema):
    opportunity_id: int
    shown: bool
    probability: int | None
    stage_probability: int
    model_version: int | None
    factors: list[WinFactorOut]
    why_not: str
