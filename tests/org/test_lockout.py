"""Sign-in lockout: a user name after 5 failures, an address after 20, unlocked by an administrator."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from kam.org.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Too many failed sign-in attempts"


def sign_in(client: Client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_password_below_the_limit_shows_the_usual_error(client):
    user = UserFactory()
    response = sign_in(client, user.username, "wrong")
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert MESSAGE not in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    user = UserFactory()
    for _ in range(4):
        assert sign_in(client, user.username, "wrong").status_code == 200
    fifth = sign_in(client, user.username, "wrong")
    assert fifth.status_code == 429
    assert MESSAGE in fifth.content.decode()

    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert MESSAGE in page and "15 minutes" in page
    assert 'name="username"' in page  # the login page itself, not a bare error page
    assert not signed_in(client)
    # From another address too: it is the account that is locked.
    assert sign_in(Client(), user.username, PASSWORD, address="10.9.9.9").status_code == 429


def test_the_lockout_message_is_translated(client):
    user = UserFactory()
    for _ in range(5):
        sign_in(client, user.username, "wrong")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert MESSAGE not in page
    assert "15" in page and "锁定" in page


def test_failures_of_other_users_do_not_lock_an_account(client):
    user = UserFactory()
    other = UserFactory()
    for _ in range(4):
        sign_in(client, other.username, "wrong", address="10.0.0.1")
    assert sign_in(client, user.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert signed_in(client)


def test_twenty_failures_from_one_address_lock_it_for_every_user_name(client):
    user = UserFactory()
    for i in range(20):
        # Four user names, five tries each would lock them; 4 each on five names stays under it.
        response = sign_in(client, f"guess{i % 5}", "wrong", address="10.0.0.66")
    assert response.status_code == 429
    blocked = sign_in(Client(), user.username, PASSWORD, address="10.0.0.66")
    assert blocked.status_code == 429
    assert MESSAGE in blocked.content.decode()
    # The account itself is not locked: from another address it signs in.
    other = Client()
    assert sign_in(other, user.username, PASSWORD, address="10.0.0.67").status_code == 302
    assert signed_in(other)


def test_nineteen_failures_from_one_address_do_not_lock_it(client):
    user = UserFactory()
    for i in range(19):
        sign_in(client, f"guess{i % 5}", "wrong", address="10.0.0.70")
    assert sign_in(client, user.username, PASSWORD, address="10.0.0.70").status_code == 302


def test_reset_username_command_unlocks(client):
    user = UserFactory()
    for _ in range(5):
        sign_in(client, user.username, "wrong")
    assert sign_in(client, user.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", user.username)
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_administrator_unlocks_in_the_admin(client):
    user = UserFactory()
    for _ in range(5):
        sign_in(client, user.username, "wrong", address="10.0.0.5")
    assert sign_in(client, user.username, PASSWORD, address="10.0.0.5").status_code == 429

    admin = UserFactory(role=Role.ADMIN)
    admin_client = Client()
    admin_client.force_login(admin)
    changelist = admin_client.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200
    assert user.username in changelist.content.decode()
    ids = [
        str(pk) for pk in AccessAttempt.objects.filter(username=user.username).values_list("pk", flat=True)
    ]
    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.username).exists()

    assert sign_in(client, user.username, PASSWORD, address="10.0.0.5").status_code == 302


def test_test_client_logins_still_work(client):
    user = UserFactory()
    assert client.login(username=user.username, password=PASSWORD)
    assert not Client().login(username=user.username, password="wrong")
    other = Client()
    other.force_login(user)
    assert other.get("/customers/").status_code == 200
