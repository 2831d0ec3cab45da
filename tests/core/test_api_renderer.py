"""The API's JSON renderer (orjson) writes what ninja's standard-library renderer wrote."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy, override
from ninja import Schema
from ninja.renderers import JSONRenderer

from kam.core.api.renderer import FastJSONRenderer, dumps


class _Colour(models.TextChoices):
    RED = "red", "Red"


class _Nested(Schema):
    amount: Decimal
    day: dt.date


def _both(data: object) -> tuple[str, str]:
    ours = FastJSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    theirs = JSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    assert isinstance(ours, bytes)
    return ours.decode("utf-8"), theirs


def test_every_kind_of_value_comes_out_as_the_standard_renderer_wrote_it():
    moment = dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=dt.UTC)
    data = {
        "amount": Decimal("43441000.00"),
        "tiny": Decimal("0.000001"),
        "negative": Decimal("-12.5"),
        "day": dt.date(2027, 6, 30),
        "moment": moment,
        "shanghai": moment.astimezone(dt.timezone(dt.timedelta(hours=8))),
        "naive": dt.datetime(2026, 1, 2, 3, 4, 5, 678000),
        "time": dt.time(8, 15, 30, 250000),
        "duration": dt.timedelta(days=2, hours=3),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "colour": _Colour.RED,
        "label": gettext_lazy("Open"),
        "nested": _Nested(amount=Decimal("1.10"), day=dt.date(2026, 2, 3)),
        7: "an integer key",
        "text": "方案立项 / 客户公关",
        "list": [None, True, 1.5, 2**53, [Decimal("3")]],
    }
    with override("zh-hans"):
        ours, theirs = _both(data)
    assert json.loads(ours) == json.loads(theirs)
    # The notations themselves, not only the parsed values: milliseconds and Z as Django writes.
    assert '"moment":"2026-12-07T09:30:15.123Z"' in ours
    assert '"shanghai":"2026-12-07T17:30:15.123+08:00"' in ours
    assert '"time":"08:15:30.250"' in ours
    assert '"amount":"43441000.00"' in ours and '"tiny":"0.000001"' in ours
    # UTF-8 itself where the standard library escaped it.
    assert "方案立项" in ours and "方案立项" not in theirs


def test_a_value_json_cannot_hold_is_refused_as_before():
    class Opaque:
        pass

    for render in (dumps, lambda data: JSONRenderer().render(None, data, response_status=200)):  # type: ignore[arg-type]
        try:
            render({"x": Opaque()})
        except TypeError:
            continue
        raise AssertionError("an unknown object was written")


def test_the_api_answers_in_utf8_through_the_renderer(client, django_user_model):
    user = django_user_model.objects.create_user(username="renderer", password="pw-renderer-1", name="张三")
    client.force_login(user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "张三".encode() in response.content
    assert response.json()["name"] == "张三"
