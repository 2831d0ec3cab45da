"""`/me` and `/users`: the caller, and the people whose work they may see."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_me_names_the_caller_and_their_role(world, api_as):
    body = api_as(world.east_mgr).get("/me").json()
    assert body["id"] == world.east_mgr.pk
    assert body["role"] == "manager"
    assert body["team"] == {"id": world.east.pk, "name": "East"}
    assert body["sees_everything"] is False
    assert api_as(world.director).get("/me").json()["sees_everything"] is True


def test_users_lists_only_people_whose_work_the_caller_sees(world, api_as):
    usernames = {u["username"] for u in api_as(world.east_mgr).get("/users").json()}
    assert usernames == {"east_mgr", "east_rep", "east_rep2"}
    assert {u["username"] for u in api_as(world.west_rep).get("/users").json()} == {"west_rep"}


def test_me_without_credentials_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
