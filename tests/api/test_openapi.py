"""The API documents itself: every endpoint is in openapi.json and the docs page renders."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

EXPECTED = {
    "/api/v1/stages": {"get"},
    "/api/v1/processes": {"get"},
    "/api/v1/opportunities": {"get", "post"},
    "/api/v1/opportunities/{opportunity_id}": {"get", "patch"},
    "/api/v1/opportunities/{opportunity_id}/move": {"post"},
    "/api/v1/opportunities/{opportunity_id}/close": {"post"},
    "/api/v1/opportunities/{opportunity_id}/history": {"get"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{customer_id}": {"get", "patch"},
    "/api/v1/contacts": {"get", "post"},
    "/api/v1/contacts/{contact_id}": {"get", "patch"},
    "/api/v1/contacts/{contact_id}/relationship": {"post"},
    "/api/v1/contacts/{contact_id}/relationships": {"get"},
}


@pytest.fixture
def schema(client, world):
    client.force_login(world.director)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_every_path_and_method(schema):
    paths = schema["paths"]
    for path, methods in EXPECTED.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


def test_openapi_documents_conflict_and_precondition_responses_on_versioned_writes(schema):
    patch = schema["paths"]["/api/v1/opportunities/{opportunity_id}"]["patch"]
    assert {"200", "404", "409", "412", "422", "428"} <= set(patch["responses"])


def test_openapi_describes_money_fields_and_filters(schema):
    components = schema["components"]["schemas"]
    amount = components["OpportunityOut"]["properties"]["amount"]
    assert "yuan" in amount["description"]
    params = {p["name"] for p in schema["paths"]["/api/v1/opportunities"]["get"]["parameters"]}
    assert {
        "owner",
        "team",
        "stage",
        "status",
        "sign_quarter",
        "customer",
        "q",
        "incomplete",
        "sort",
        "limit",
        "offset",
    } <= params


def test_openapi_declares_bearer_and_session_auth(schema):
    assert set(schema["components"]["securitySchemes"]) >= {"BearerTokenAuth", "SessionAuthCSRF"}


def test_docs_page_renders(client, world, settings):
    client.force_login(world.director)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_every_operation_declares_the_answers_the_framework_can_give(schema):
    components = schema["components"]["schemas"]
    assert {"ErrorOut", "ValidationErrorOut"} <= set(components)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if (
                any(p.get("in") == "query" for p in operation.get("parameters", []))
                or "requestBody" in operation
            ):
                assert "422" in responses, where
            if "requestBody" in operation:
                assert "400" in responses, where
            if operation.get("security"):
                assert "401" in responses, where


def test_customer_operations_declare_what_they_answer(schema):
    paths = schema["paths"]
    assert "get" in paths["/api/v1/customers/export.xlsx"]
    tag_delete = paths["/api/v1/tags/{tag_id}"]["delete"]["responses"]
    assert "412" in tag_delete and "428" not in tag_delete  # If-Match is optional on deletes
    static = paths["/api/v1/customers/{customer_id}/score/static/{criterion_code}"]["put"]["responses"]
    override = paths["/api/v1/customers/{customer_id}/tier-override"]["post"]["responses"]
    for responses in (static, override):
        assert "412" in responses and "428" not in responses  # the value seen travels in the body
