"""Input a person could not mean is refused with a clear answer, never a 500: every text field has a
length limit, every integer filter a bound, a body is JSON only when sent as JSON, and every error
under /api/ (an unknown path, a wrong method, a body too large, a crash) answers JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from kam.core.api.middleware import ApiJsonErrorsMiddleware
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HUGE = "1180591620717411303424"  # 2**70: past any database integer


# --- the spec: every string a client sends is bounded, every integer too -----------------------


def _unbounded(node: dict[str, Any], components: dict[str, Any], where: str) -> list[str]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _unbounded(components[name], components, f"{where}<{name}>")
    found: list[str] = []
    alternatives = node.get("anyOf", []) + node.get("allOf", []) + node.get("oneOf", [])
    numeric = any(alt.get("type") in ("number", "integer") for alt in alternatives)
    for alt in alternatives:
        if not (numeric and alt.get("type") == "string"):  # a decimal: bounded by its digits
            found += _unbounded(alt, components, where)
    kind = node.get("type")
    bounded_text = {"maxLength", "enum", "const", "pattern"} & set(node) or node.get("format") in (
        "date",
        "date-time",
        "binary",
    )
    if kind == "string" and not bounded_text:
        found.append(f"{where}: text without maxLength")
    if kind == "integer" and not ({"maximum", "exclusiveMaximum", "enum", "const"} & set(node)):
        found.append(f"{where}: integer without maximum")
    if kind == "array":
        found += _unbounded(node.get("items", {}), components, where + "[]")
    for name, sub in node.get("properties", {}).items():
        found += _unbounded(sub, components, f"{where}.{name}")
    return found


def test_every_query_parameter_and_body_field_is_bounded(client, world):
    client.force_login(world.director)
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    problems: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                # Path segments are matched by the URL patterns ({int:…} takes digits only).
                if parameter["in"] == "query":
                    problems += _unbounded(parameter["schema"], components, f"{where} ?{parameter['name']}")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body:
                problems += _unbounded(body["schema"], components, f"{where} body")
    assert problems == []


def test_every_body_operation_documents_413_and_415(client, world):
    client.force_login(world.director)
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"413", "415"} <= set(operation["responses"]), f"{method.upper()} {path}"


# --- too long: 422 naming the field, in the reader's words ---------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "field", "limit", "body"),
    [
        ("post", "/customers", "notes", NOTE_MAX, {"name": "x"}),
        ("patch", "/customers/{customer}", "notes", NOTE_MAX, {}),
        ("post", "/customers", "name", 200, {}),
        ("post", "/contacts", "notes", NOTE_MAX, {"customer": "customer", "name": "x"}),
        ("post", "/contacts/{contact}/relationship", "note", SHORT_TEXT_MAX, {"level": 3}),
        ("post", "/opportunities", "note", SHORT_TEXT_MAX, {"customer": "customer", "name": "x"}),
        ("post", "/opportunities/{opp}/move", "note", SHORT_TEXT_MAX, {"to_stage": "P1"}),
        ("post", "/opportunities/{opp}/close", "reason", SHORT_TEXT_MAX, {"status": "lost"}),
        ("post", "/customers/{customer}/analysis", "finances", NOTE_MAX, {"base_revision": 0}),
        ("get", "/opportunities", "q", SEARCH_MAX, {}),
        ("get", "/contacts", "q", SEARCH_MAX, {}),
    ],
)
def test_too_long_text_is_422_naming_the_field(world, api_as, method, path, field, limit, body):
    contact = ContactFactory(customer=world.east_customer)
    ids = {"customer": world.east_customer.pk, "contact": contact.pk, "opp": world.east_opp.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    body[field] = "n" * (limit + 1)
    api = api_as(world.director)
    url = path.format(**ids)
    if method == "get":
        response = api.get(url, body)
    else:
        version = world.east_customer.version if "customers/" in url else world.east_opp.version
        response = getattr(api, method)(url, body, if_match=version)
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"][field] == [f"At most {limit} characters."]
    body[field] = "n" * limit
    if method != "get":
        return
    assert api.get(url, body).status_code == 200


def test_too_long_text_is_said_in_chinese(world, api_as):
    api = api_as(world.director)
    response = api.client.post(
        "/api/v1/customers",
        json.dumps({"name": "x", "notes": "n" * (NOTE_MAX + 1)}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **api._headers(),
    )
    assert response.status_code == 422
    assert (
        "10000" in response.json()["errors"]["notes"][0]
        and "At most" not in response.json()["errors"]["notes"][0]
    )


def test_too_long_text_on_the_pages_is_a_form_error(client, world):
    client.force_login(world.director)
    response = client.post(
        "/customers/new/",
        {
            "name": "Long notes",
            "owner": world.director.pk,
            "status": "prospect",
            "notes": "n" * (NOTE_MAX + 1),
        },
    )
    assert response.status_code in (200, 400)
    assert "notes" in response.context["form"].errors
    from kam.customers.models import Customer

    assert not Customer.objects.filter(name="Long notes").exists()


# --- huge numbers in filters: 422 or nothing found, never a 500 ----------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/insights/targets", {"user": HUGE}),
        ("/insights/targets", {"team": HUGE}),
        ("/customers", {"owner": HUGE}),
        ("/customers", {"tag": HUGE, "parent": HUGE}),
        ("/opportunities", {"customer": HUGE, "stage": HUGE}),
        ("/insights/health", {"owner": HUGE, "team": HUGE}),
        ("/insights/changes", {"a": HUGE, "b": HUGE}),
        ("/insights/matrix", {"owner": HUGE}),
        ("/contacts", {"customer": HUGE, "offset": HUGE}),
    ],
)
def test_huge_numbers_in_api_filters_are_422(world, api_as, path, params):
    response = api_as(world.director).get(path, params)
    assert response.status_code in (200, 404, 422), response.content[:300]
    if response.status_code == 422:
        assert set(response.json()["errors"]) <= set(params) | {"__all__"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/insights/targets/", {"user": HUGE, "team": HUGE}),
        ("/insights/forecast/", {"p": "x" * 5000, "group": HUGE}),
        ("/customers/", {"owner": HUGE, "team": HUGE, "tag": HUGE, "parent": HUGE, "page": HUGE}),
        ("/opportunities/", {"q": "x" * 5000, "sign_quarter": HUGE}),
        ("/insights/changes/", {"a": HUGE, "b": HUGE}),
        ("/insights/accuracy/", {"owner": HUGE, "team": HUGE}),
        ("/insights/portfolio/", {"team": HUGE}),
    ],
)
def test_huge_numbers_and_long_text_in_page_filters_are_not_errors(client, world, path, params):
    client.force_login(world.director)
    response = client.get(path, params)
    assert response.status_code in (200, 302, 404), response.status_code


# --- JSON only as JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/html"])
def test_a_json_body_sent_as_another_type_is_415(world, api_as, content_type):
    api = api_as(world.director)
    response = api.client.post(
        "/api/v1/customers", json.dumps({"name": "Plain"}), content_type=content_type, **api._headers()
    )
    assert response.status_code == 415
    body = response.json()
    assert body["detail"] == "unsupported_media_type" and "application/json" in body["message"]
    from kam.customers.models import Customer

    assert not Customer.objects.filter(name="Plain").exists()


def test_json_with_a_charset_is_taken(world, api_as):
    api = api_as(world.director)
    response = api.client.post(
        "/api/v1/customers",
        json.dumps({"name": "Charset"}),
        content_type="application/json; charset=utf-8",
        **api._headers(),
    )
    assert response.status_code == 201, response.content


# --- errors outside any operation answer JSON ----------------------------------------------------


def test_unknown_api_path_is_json_404(world, api_as):
    response = api_as(world.director).get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "not_found"


def test_a_method_the_path_does_not_take_is_json_405(world, api_as):
    api = api_as(world.director)
    response = api.client.delete("/api/v1/customers", **api._headers())
    assert response.status_code == 405
    assert response.json()["detail"] == "method_not_allowed" and "GET" in response["Allow"]


def test_pages_keep_their_html_404(client, world):
    client.force_login(world.director)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_body_past_the_upload_limit_is_413(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api_as(world.director).post("/customers", {"name": "x", "notes": "n" * 20_000})
    assert response.status_code == 413
    assert response.json()["detail"] == "too_large"


def test_an_unhandled_failure_is_json_500(world, monkeypatch):
    from kam.org import api as org_api

    def broken(user: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(org_api, "current_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.director)
    response = client.get("/api/v1/me")
    assert response.status_code == 500
    assert response.json()["detail"] == "server_error" and "boom" not in response.content.decode()


def test_the_middleware_leaves_json_and_success_alone():
    from django.http import HttpResponse, JsonResponse

    request = RequestFactory().get("/api/v1/x")
    ok = HttpResponse("fine")
    assert ApiJsonErrorsMiddleware(lambda r: ok)(request) is ok
    own = JsonResponse({"detail": "conflict"}, status=412)
    assert ApiJsonErrorsMiddleware(lambda r: own)(request) is own
    page = HttpResponse("<p>gone</p>", status=404)
    assert ApiJsonErrorsMiddleware(lambda r: page)(RequestFactory().get("/customers/")) is page
