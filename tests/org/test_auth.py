"""Who may call the API: a personal bearer token (stored hashed) or the browser session with CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from kam.customers.models import Customer
from kam.org.models import ApiToken
from tests.conftest import make_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/opportunities", "/api/v1/customers", "/api/v1/contacts", "/api/v1/stages"]
)
def test_request_without_credentials_is_401(world, client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "unauthorized"
    assert "Bearer" in response.json()["message"]


def test_bearer_token_authenticates_and_records_its_use(world, client):
    raw, token = make_token(world.east_rep)
    response = client.get("/api/v1/opportunities", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert {i["id"] for i in response.json()["items"]} == {world.east_opp.pk}
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert raw not in ApiToken.objects.values_list("token_hash", flat=True)


def test_a_token_use_is_recorded_to_the_minute_not_on_every_request(world, client):
    import datetime as dt

    raw, token = make_token(world.east_rep)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get("/api/v1/stages", **headers)
    token.refresh_from_db()
    first = token.last_used_at
    client.get("/api/v1/stages", **headers)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/stages", **headers)
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=1)


def test_revoked_token_is_401(world, client):
    raw, token = make_token(world.east_rep)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client.get("/api/v1/opportunities", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_unknown_token_and_inactive_users_token_are_401(world, client):
    assert client.get("/api/v1/opportunities", HTTP_AUTHORIZATION="Bearer kam_made-up").status_code == 401
    user = UserFactory()
    raw, _token = make_token(user)
    user.is_active = False
    user.save()
    assert client.get("/api/v1/opportunities", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_session_reads_need_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.east_rep)
    assert client.get("/api/v1/customers").status_code == 200


def test_session_post_without_csrf_token_is_refused_and_nothing_saved(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.east_rep)
    before = Customer.objects.count()
    response = client.post(
        "/api/v1/customers", json.dumps({"name": "Sneaky"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert Customer.objects.count() == before


def test_session_post_with_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.east_rep)
    secret = "k" * 32
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/customers",
        json.dumps({"name": "Welcome"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=secret,
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.filter(name="Welcome", owner=world.east_rep).exists()


def test_bearer_writes_need_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    raw, _token = make_token(world.east_rep)
    response = client.post(
        "/api/v1/customers",
        json.dumps({"name": "Scripted"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201
