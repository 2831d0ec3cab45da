"""An API client per user: bearer tokens created the way the token page does (only the hash stored)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kam.org.models import ApiToken, User, hash_token


def make_token(user: User, name: str = "test") -> tuple[str, ApiToken]:
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:8], token_hash=hash_token(raw))
    return raw, token


class ApiClient:
    """JSON in, JSON out, with the bearer token on every request."""

    def __init__(self, user: User, client: Client | None = None) -> None:
        self.user = user
        self.raw, self.token = make_token(user)
        self.client = client or Client()

    def _headers(self, if_match: Any = None) -> dict[str, str]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"}
        if if_match is not None:
            headers["HTTP_IF_MATCH"] = f'"{if_match}"' if isinstance(if_match, int) else str(if_match)
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get("/api/v1" + path, params or {}, **self._headers())

    def post(self, path: str, body: Any, *, if_match: Any = None) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(
            "/api/v1" + path, data, content_type="application/json", **self._headers(if_match)
        )

    def patch(self, path: str, body: Any, *, if_match: Any = None) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.patch(
            "/api/v1" + path, data, content_type="application/json", **self._headers(if_match)
        )


@pytest.fixture
def api_as():
    """`api_as(user)` → an ApiClient authenticated as that user."""
    return ApiClient
