"""The sign-in backend (kam.access.backends): the signed-in user of a request read in one kept
statement, the same record as the ORM's, and refused as Django refuses it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.access.backends import ModelBackend
from kam.org.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _values(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_user_is_the_orms_record_every_field_read_in_one_query():
    user = UserFactory(name="王 经理")
    with CaptureQueriesContext(connection) as ctx:
        found = ModelBackend().get_user(user.pk)
    assert len(ctx.captured_queries) == 1
    assert _values(found) == _values(DjangoModelBackend().get_user(user.pk))
    assert found.get_deferred_fields() == set()
    assert found.team == user.team  # the foreign key works as on an ORM record
    found.name = "王 总监"
    found.save()
    assert User.objects.get(pk=user.pk).name == "王 总监"


def test_an_inactive_or_unknown_user_is_none():
    inactive = UserFactory(is_active=False)
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(10**9) is None
    assert ModelBackend().get_user("not a number") is None


def test_passwords_still_sign_in_through_this_backend_and_a_changed_password_signs_out(client):
    assert "kam.access.backends.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
    user = UserFactory()
    assert client.login(username=user.username, password=PASSWORD)
    assert client.session["_auth_user_backend"] == "kam.access.backends.ModelBackend"
    home = reverse("workbench:home")
    assert client.get(home).status_code == 200
    user.set_password("another long passphrase 7")
    user.save()
    # The session's hash no longer matches the password: the next request is signed out.
    assert client.get(home).status_code == 302
