"""Every API operation, fed schemathesis' generated input (valid and invalid) as a rep and as a
director: never a server error, every answer as the spec documents it (status, content type, body).

Bounded and deterministic: a fixed seed and a few examples per operation, through the WSGI app in
the test's own database transaction (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kam.api import api
from kam.wsgi import application
from tests.conftest import make_token
from tests.factories import CustomerFactory, TeamFactory, UserFactory, make_opportunity

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application
schema.config.generation.update(max_examples=4, deterministic=True)
schema.config.phases.coverage.unexpected_methods = set()


@pytest.fixture
def same_connection():
    """The WSGI app closes the database connection after each request (Django's request signals);
    the test's transaction lives on that connection, so keep it open, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, same_connection):
    """A rep's and a director's bearer tokens, each with a customer and a deal to find."""
    from kam.org.models import Role

    root = TeamFactory(name="Sales")
    east = TeamFactory(name="East", parent=root)
    director = UserFactory(username="director", role=Role.DIRECTOR, team=root)
    rep = UserFactory(username="east_rep", team=east)
    customer = CustomerFactory(name="East Steel", owner=rep)
    make_opportunity(owner=rep, customer=customer, name="East furnace")
    return [make_token(rep)[0], make_token(director)[0]]


@schema.parametrize()
@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(case, tokens):
    for raw in tokens:
        case.call_and_validate(headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS)
