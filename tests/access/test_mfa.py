"""Two-factor authentication (TOTP): setup with a real code, the code after the password, removal,
and KAM_REQUIRE_MFA for administrators and directors."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kam.org.models import Role
from tests.conftest import make_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/customers/"


@pytest.fixture(autouse=True)
def no_code_throttling(settings):
    """django-otp waits longer after each wrong code; the tests enter the right one straight after."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or a step later, as a code not yet used)."""
    value = totp(
        device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step, digits=device.digits
    )
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def sign_in(client: Client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_setup_shows_the_uri_and_a_qr_code_and_confirms_with_a_real_code(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/account/security/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "otpauth://totp/kam%3A" in html and "secret=" in html
    assert "<svg" in html and "<script" not in html.split("</header>", 1)[1]
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    # A second visit shows the same secret (the app may have scanned it already).
    client.get("/account/security/setup/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    refused = client.post("/account/security/setup/", {"code": wrong_code(device)})
    assert refused.status_code == 200
    assert "not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post("/account/security/setup/", {"code": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # This session is verified by the code just entered.
    assert client.get(PAGE).status_code == 200
    assert "On:" in client.get("/account/security/").content.decode()


def test_login_asks_for_the_code_when_the_user_has_a_device(client):
    user = UserFactory()
    device = confirmed_device(user)
    sign_in(client, user)
    held = client.get(PAGE)
    assert held.status_code == 302
    assert held["Location"].startswith("/accounts/verify/?next=")
    # Nor the API through the session: an unverified session is no session there.
    assert client.get("/api/v1/customers").status_code == 401
    # htmx requests are sent to the page as a whole.
    assert client.get(PAGE, HTTP_HX_REQUEST="true")["HX-Redirect"].startswith("/accounts/verify/")

    wrong = client.post("/accounts/verify/", {"code": wrong_code(device), "next": PAGE})
    assert wrong.status_code == 200
    assert "not right" in wrong.content.decode()
    assert client.get(PAGE).status_code == 302

    right = client.post("/accounts/verify/", {"code": code_for(device), "next": PAGE})
    assert right.status_code == 302 and right["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    assert client.get("/api/v1/customers").status_code == 200


def test_a_used_code_is_not_taken_twice(client):
    user = UserFactory()
    device = confirmed_device(user)
    code = code_for(device)
    sign_in(client, user)
    assert client.post("/accounts/verify/", {"code": code}).status_code == 302
    other = Client()
    sign_in(other, user)
    assert other.post("/accounts/verify/", {"code": code}).status_code == 200
    assert other.get(PAGE).status_code == 302


def test_verify_does_not_follow_a_next_to_another_site(client):
    user = UserFactory()
    device = confirmed_device(user)
    sign_in(client, user)
    response = client.post("/accounts/verify/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_users_without_a_device_are_not_asked(client):
    user = UserFactory()
    sign_in(client, user)
    assert client.get(PAGE).status_code == 200


def test_turning_it_off_needs_a_code(client):
    user = UserFactory()
    device = confirmed_device(user)
    sign_in(client, user)
    client.post("/accounts/verify/", {"code": code_for(device)})
    refused = client.post("/account/security/disable/", {"code": wrong_code(device)})
    assert refused.status_code == 422
    assert TOTPDevice.objects.filter(user=user).exists()
    response = client.post("/account/security/disable/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    # The next sign-in asks for no code.
    other = Client()
    sign_in(other, user)
    assert other.get(PAGE).status_code == 200


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ADMIN])
def test_require_mfa_sends_directors_and_admins_to_setup(client, role):
    user = UserFactory(role=role)
    with override_settings(KAM_REQUIRE_MFA=True):
        sign_in(client, user)
        held = client.get(PAGE)
        assert held.status_code == 302
        assert held["Location"].startswith("/account/security/setup/?next=")
        assert client.get("/admin/").status_code == 302
        assert client.get("/account/tokens/").status_code == 302
        page = client.get("/account/security/setup/")
        assert page.status_code == 200
        assert "Your role requires two-factor authentication" in page.content.decode()
        device = TOTPDevice.objects.get(user=user)
        done = client.post("/account/security/setup/", {"code": code_for(device), "next": PAGE})
        assert done.status_code == 302 and done["Location"] == PAGE
        assert client.get(PAGE).status_code == 200
        # Required: it cannot be turned off.
        client.post("/account/security/disable/", {"code": code_for(device, steps_ahead=1)})
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER])
def test_require_mfa_leaves_reps_and_managers_free(client, role):
    user = UserFactory(role=role)
    with override_settings(KAM_REQUIRE_MFA=True):
        sign_in(client, user)
        assert client.get(PAGE).status_code == 200


def test_bearer_tokens_are_not_held(client):
    director = UserFactory(role=Role.DIRECTOR)
    raw, _token = make_token(director)
    with override_settings(KAM_REQUIRE_MFA=True):
        assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
