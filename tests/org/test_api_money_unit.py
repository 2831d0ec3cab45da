"""`/me` tells and changes the caller's display unit for amounts (元 / 万元)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_me_tells_the_unit_blank_by_default(world, api_as):
    assert api_as(world.east_rep).get("/me").json()["money_unit"] == ""


def test_patch_me_sets_the_unit_for_the_caller_only(world, api_as):
    api = api_as(world.east_rep)
    response = api.patch("/me", {"money_unit": "wan"})
    assert response.status_code == 200 and response.json()["money_unit"] == "wan"
    world.east_rep.refresh_from_db()
    world.east_rep2.refresh_from_db()
    assert world.east_rep.money_unit == "wan" and world.east_rep2.money_unit == ""
    assert api.get("/me").json()["money_unit"] == "wan"
    assert api.patch("/me", {"money_unit": ""}).json()["money_unit"] == ""


@pytest.mark.parametrize("body", [{"money_unit": "dollar"}, {}, {"money_unit": None}])
def test_patch_me_refuses_anything_but_a_unit(world, api_as, body):
    world.east_rep.money_unit = "yuan"
    world.east_rep.save()
    response = api_as(world.east_rep).patch("/me", body)
    assert response.status_code == 422
    world.east_rep.refresh_from_db()
    assert world.east_rep.money_unit == "yuan"


def test_patch_me_without_credentials_is_401(client):
    response = client.patch("/api/v1/me", '{"money_unit": "wan"}', content_type="application/json")
    assert response.status_code == 401
