"""The session store (kam.core.sessions): the same sessions as Django's database store, read in
one plain statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_session_reads_back_what_django_s_store_reads_in_one_statement():
    key = _saved({"who": "东区 rep", "n": 3})
    with CaptureQueriesContext(connection) as ctx:
        loaded = SessionStore(key).load()
    assert loaded == DjangoSessionStore(key).load() == {"who": "东区 rep", "n": 3}
    (query,) = ctx.captured_queries
    assert "django_session" in query["sql"]


def test_an_expired_or_unknown_session_is_empty_and_forgets_its_key():
    key = _saved({"who": "rep"})
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_session_written_with_this_store_is_saved_modified_and_deleted_as_usual():
    key = _saved({"a": 1})
    store = SessionStore(key)
    store["b"] = 2
    store.save()
    assert DjangoSessionStore(key).load() == {"a": 1, "b": 2}
    store.delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}


def test_signing_in_and_out_goes_through_this_store(client, world):
    from django.conf import settings

    assert settings.SESSION_ENGINE == "kam.core.sessions"
    client.force_login(world.east_rep)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(key).load()["_auth_user_id"] == str(world.east_rep.pk)
    client.logout()
    assert SessionStore(key).load() == {}
