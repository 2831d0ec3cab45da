"""The token pages: a bearer token shown once and stored hashed, revoked, only by its owner, named."""

import pytest

from kam.org.models import ApiToken, hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_issuing_a_token_shows_it_once_and_stores_only_its_hash(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": "ERP sync"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hash_token(raw) and raw not in (token.token_hash, token.prefix)
    assert raw in response.content.decode()
    assert raw not in client.get("/account/tokens/").content.decode()
    api = client.__class__()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_revoked_token_no_longer_authenticates(client):
    user = UserFactory()
    client.force_login(user)
    raw = client.post("/account/tokens/", {"name": "BI"}).context["new_token"]
    token = ApiToken.objects.get(user=user)
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.__class__().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client):
    owner = UserFactory()
    client.force_login(owner)
    client.post("/account/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=owner)
    client.force_login(UserFactory())
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_name_is_required(client):
    client.force_login(UserFactory())
    response = client.post("/account/tokens/", {"name": ""})
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 0
