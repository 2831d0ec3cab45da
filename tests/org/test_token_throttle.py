"""Wrong API tokens are throttled per address: 429 after 20 in 15 minutes, other addresses unaffected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kam.org.models import TokenFailure
from tests.conftest import make_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATH = "/api/v1/customers"


def get(client: Client, token: str, address: str):
    return client.get(PATH, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


def test_twenty_wrong_tokens_then_429_for_that_address_only(client):
    raw, _token = make_token(UserFactory())
    for i in range(20):
        assert get(client, f"kam_wrong-{i}", "10.1.1.1").status_code == 401
    refused = get(client, "kam_wrong-again", "10.1.1.1")
    assert refused.status_code == 429
    body = refused.json()
    assert body["detail"] == "too_many_attempts"
    assert "Too many wrong API tokens" in body["message"]
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    # A good token from that address waits too: the address is throttled, not a token.
    assert get(client, raw, "10.1.1.1").status_code == 429
    # From another address the good token works.
    assert get(client, raw, "10.1.1.2").status_code == 200


def test_nineteen_wrong_tokens_are_not_throttled(client):
    raw, _token = make_token(UserFactory())
    for i in range(19):
        get(client, f"kam_wrong-{i}", "10.1.1.3")
    assert get(client, raw, "10.1.1.3").status_code == 200
    assert TokenFailure.objects.get(ip_address="10.1.1.3").failures == 19


def test_the_window_ends_after_fifteen_minutes(client):
    raw, _token = make_token(UserFactory())
    for i in range(20):
        get(client, f"kam_wrong-{i}", "10.1.1.4")
    assert get(client, raw, "10.1.1.4").status_code == 429
    TokenFailure.objects.filter(ip_address="10.1.1.4").update(
        window_started_at=timezone.now() - timedelta(minutes=16)
    )
    assert get(client, raw, "10.1.1.4").status_code == 200
    # A new failure opens a new window, counted from one.
    get(client, "kam_wrong", "10.1.1.4")
    assert TokenFailure.objects.get(ip_address="10.1.1.4").failures == 1


def test_session_requests_are_not_counted(client):
    user = UserFactory()
    client.force_login(user)
    for _ in range(3):
        assert client.get(PATH, REMOTE_ADDR="10.1.1.5").status_code == 200
    assert not TokenFailure.objects.exists()


def test_behind_a_proxy_the_forwarded_address_is_counted(client, settings):
    settings.KAM_PROXY_COUNT = 1
    raw, _token = make_token(UserFactory())
    for i in range(20):
        # A client cannot pick its address by writing X-Forwarded-For: the proxy's entry is read.
        client.get(
            PATH,
            HTTP_AUTHORIZATION=f"Bearer kam_wrong-{i}",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7",
            REMOTE_ADDR="10.0.0.1",
        )
    assert set(TokenFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    same = client.get(
        PATH, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.1"
    )
    assert same.status_code == 429
    other = client.get(
        PATH, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_FORWARDED_FOR="203.0.113.8", REMOTE_ADDR="10.0.0.1"
    )
    assert other.status_code == 200


def test_openapi_documents_the_429(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][PATH]["get"]
    assert "429" in operation["responses"]
