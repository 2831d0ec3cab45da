"""Shared by the scoring tests: a rep of their own and won deals closed at a given moment (engine, tasks);
a scored customer, a band by its English label and the words a page shows (the pages); JSON requests
and what the active model holds now (the API)."""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from kam.customers.models import ScoreBand, ScoringCriterion, ScoringModel, TierThreshold
from kam.customers.scoring import engine as scoring
from kam.opportunities import services as opportunity_services
from tests.factories import UserFactory, make_opportunity

D = Decimal


def won_deal(customer, owner, amount, closed_at, margin=None, name="Deal"):
    opportunity = make_opportunity(
        owner=owner, customer=customer, amount=D(amount), gross_margin=margin, name=name
    )
    return opportunity_services.close_opportunity(
        opportunity, by=owner, status="won", reason="Signed", closed_at=closed_at
    )


@pytest.fixture
def rep(db):
    return UserFactory(username="scoring_rep")


def band(code: str, label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code=code, label_en=label_en)


def text(response) -> str:
    """The visible words of a response, whitespace collapsed, for assertions on what a user reads."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def login(client, user, password):
    assert client.login(username=user.username, password=password)


@pytest.fixture
def customer(world):
    customer = world.east_customer
    scoring.rescore([customer.pk])
    customer.refresh_from_db()
    return customer


# --- The API ---

THRESHOLDS_URL = "api:scoring_thresholds"

GOOD_THRESHOLDS = [
    {"tier": "A", "min_score": "80", "segment": "key"},
    {"tier": "B", "min_score": "60", "segment": "important"},
    {"tier": "C", "min_score": "30", "segment": "general"},
    {"tier": "D", "min_score": "0", "segment": "general"},
]


def send(api, method: str, url: str, body: Any = None, *, if_match: Any = None):
    """A JSON request to a full path (from reverse), with the client's bearer token."""
    kwargs: dict[str, Any] = dict(api._headers(if_match))
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(api.client, method)(url, **kwargs)


def criterion(code: str) -> ScoringCriterion:
    return ScoringCriterion.objects.get(scoring_model__is_active=True, code=code)


def bands_url(code: str) -> str:
    return reverse("api:scoring_criterion_bands", args=[criterion(code).pk])


def model_version() -> int:
    return ScoringModel.objects.get(is_active=True).version


def bands_of(code: str) -> list[tuple]:
    return list(
        criterion(code)
        .bands.order_by("position")
        .values_list("label", "label_en", "min_value", "max_value", "points")
    )


def thresholds_now() -> list[tuple]:
    return list(
        TierThreshold.objects.filter(scoring_model__is_active=True)
        .order_by("tier")
        .values_list("tier", "min_score", "segment")
    )
