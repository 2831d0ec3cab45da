"""The API documents itself: every endpoint is in openapi.json and the docs page renders."""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from ninja import Schema
from pydantic import BaseModel

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


# --- one name, one schema ----------------------------------------------------------------------------
# OpenAPI names a component after its class: two classes of one name would share one component, and
# the spec would describe one of them with the other's fields.


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation names: `X`, `list[X]`, `X | None`, `dict[str, X]` …"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _operations() -> Iterator[Any]:
    from kam.api import api

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def _single_field(model: Any) -> Any:
    """The one annotation a ninja wrapper model holds (`payload` of a body, `response` of an answer)."""
    fields = list(model.model_fields.values())
    return fields[0].annotation if len(fields) == 1 else None


def _reachable_schemas() -> set[type[BaseModel]]:
    """Every model the mounted routers take or give, and every model inside those, at any depth."""
    pending: list[Any] = []
    for operation in _operations():
        for params in operation.models:  # ninja's wrappers of the path, query and body parameters
            pending.extend(field.annotation for field in params.model_fields.values())
        for answer in operation.response_models.values():
            if isinstance(answer, type) and issubclass(answer, BaseModel):
                pending.extend(field.annotation for field in answer.model_fields.values())
    seen: set[type[BaseModel]] = set()
    while pending:
        for model in _models_in(pending.pop()):
            if model not in seen:
                seen.add(model)
                pending.extend(field.annotation for field in model.model_fields.values())
    return seen


def _shared_names(classes: set[type]) -> dict[str, list[str]]:
    by_name: dict[str, set[type]] = defaultdict(set)
    for cls in classes:
        by_name[cls.__name__].add(cls)
    return {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in found)
        for name, found in by_name.items()
        if len(found) > 1
    }


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_schema_the_api_uses_has_a_name_of_its_own():
    reachable = _reachable_schemas()
    assert len(reachable) > 100  # the walk reached the nested schemas, not only the top ones
    assert _shared_names(reachable) == {}


def test_every_schema_class_in_kam_has_a_name_of_its_own():
    import kam.api  # noqa: F401  (imports every router, so every schema module)

    ours = {cls for cls in _all_subclasses(Schema) if cls.__module__.startswith("kam.")}
    assert _shared_names(ours) == {}


def _ref_name(schema: dict[str, Any]) -> str | None:
    """`Name` of `{"$ref": "#/components/schemas/Name"}`, also inside an array of them."""
    if "items" in schema:
        schema = schema["items"]
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _model_name(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is list:
        (annotation,) = typing.get_args(annotation)
    return annotation.__name__ if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def test_each_operation_refers_to_its_own_body_and_answer_schemas(schema):
    from kam.api import api

    by_id = {
        operation["operationId"]: operation
        for operations in schema["paths"].values()
        for operation in operations.values()
    }
    checked = 0
    for operation in _operations():
        spec = by_id[operation.operation_id or api.get_openapi_operation_id(operation)]
        body = next((m for m in operation.models if m.__ninja_param_source__ == "body"), None)
        if body is not None:
            media = spec["requestBody"]["content"]["application/json"]["schema"]
            assert _ref_name(media) == _model_name(_single_field(body)), spec["operationId"]
            checked += 1
        for code, answer in operation.response_models.items():
            if not (isinstance(answer, type) and issubclass(answer, BaseModel)):
                continue
            media = spec["responses"][str(code)]["content"]["application/json"]["schema"]
            expected = _model_name(_single_field(answer))
            if expected is not None:
                assert _ref_name(media) == expected, (spec["operationId"], code)
                checked += 1
    assert checked > 100


def test_every_component_has_the_fields_of_the_class_of_its_name(schema):
    components = schema["components"]["schemas"]
    compared = 0
    for model in _reachable_schemas():
        component = components.get(model.__name__)
        if component is None or "properties" not in component:
            continue
        fields = {field.alias or name for name, field in model.model_fields.items()}
        assert set(component["properties"]) == fields, model.__name__
        compared += 1
    assert compared > 100


def _body_fields(schema: dict[str, Any], path: str) -> set[str]:
    media = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return set(schema["components"]["schemas"][_ref_name(media)]["properties"])


def test_opportunity_move_takes_a_stage_and_a_contact_move_takes_a_manager(schema):
    opportunity_move = _body_fields(schema, "/api/v1/opportunities/{opportunity_id}/move")
    assert {"to_stage", "key_node_confirmed", "note", "achieved", "carry_over", "version"} == opportunity_move
    assert "manager" not in opportunity_move
    contact_move = _body_fields(schema, "/api/v1/contacts/{contact_id}/move")
    assert {"manager", "version"} == contact_move
    assert "to_stage" not in contact_move


def test_operation_ids_are_unique(schema):
    ids = [
        operation.get("operationId")
        for operations in schema["paths"].values()
        for operation in operations.values()
    ]
    assert None not in ids
    assert len(ids) == len(set(ids))


def _if_match(schema: dict[str, Any], path: str, method: str) -> dict[str, Any] | None:
    parameters = schema["paths"][path][method].get("parameters", [])
    return next((p for p in parameters if p["in"] == "header" and p["name"] == "If-Match"), None)


def test_writes_that_read_if_match_declare_it(schema):
    assert _if_match(schema, "/api/v1/opportunities/{opportunity_id}", "patch")["required"] is True
    assert _if_match(schema, "/api/v1/opportunities/{opportunity_id}/close", "post")["required"] is True
    assert _if_match(schema, "/api/v1/customers/{customer_id}/analysis", "post")["required"] is True
    # the version may come in the body instead
    assert _if_match(schema, "/api/v1/opportunities/{opportunity_id}/move", "post")["required"] is False
    assert _if_match(schema, "/api/v1/contacts/{contact_id}/move", "post")["required"] is False
    # checked when sent
    assert _if_match(schema, "/api/v1/tags/{tag_id}", "delete")["required"] is False
    # the value seen travels in the body; reads have no If-Match
    assert _if_match(schema, "/api/v1/customers/{customer_id}/tier-override", "post") is None
    assert _if_match(schema, "/api/v1/opportunities/{opportunity_id}", "get") is None
