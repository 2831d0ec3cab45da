"""Absurd input is a 4xx JSON answer on SQLite and PostgreSQL alike, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = 10**30  # past any database integer
BIG_BUT_VALID = 2**62  # fits a bigint: simply matches nothing


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/opportunities", {"owner": HUGE}, "owner"),
        ("get", "/opportunities", {"offset": HUGE}, "offset"),
        ("get", "/customers", {"owner": HUGE}, "owner"),
        ("get", "/contacts", {"customer": HUGE}, "customer"),
        ("get", "/opportunities", {"q": "furnace\x00"}, "q"),
        ("post", "/opportunities", {"customer": HUGE, "name": "x"}, "customer"),
        ("post", "/opportunities", {"customer": BIG_BUT_VALID, "name": "x"}, "customer"),
        ("post", "/opportunities", [1, 2], None),
        ("post", "/opportunities", '"just text"', None),
        ("post", "/customers", {"name": "x", "employees": HUGE}, "employees"),
        ("post", "/customers", {"name": "nul\x00byte"}, "name"),
        ("post", "/opportunities/{opp}/move", {"to_stage": HUGE}, "to_stage"),
        ("post", "/opportunities/{opp}/move", {"to_stage": BIG_BUT_VALID}, "to_stage"),
        (
            "post",
            "/opportunities/{opp}/close",
            {"status": "lost", "reason_choice": "price", "lost_to": HUGE},
            "lost_to",
        ),
        ("post", "/contacts/{contact}/relationship", {"user": HUGE, "level": 3}, "user"),
    ],
)
def test_absurd_input_is_a_client_error_with_json(world, api_as, method, path, body, field):
    from tests.factories import ContactFactory

    contact = ContactFactory(customer=world.east_customer)
    client = api_as(world.director)
    url = path.format(opp=world.east_opp.pk, contact=contact.pk)
    response = client.get(url, body) if method == "get" else client.post(url, body, if_match=1)
    assert 400 <= response.status_code < 500, response.content
    if field is not None:
        assert field in response.json()["errors"]
    else:
        assert "detail" in response.json()


def test_huge_id_in_the_path_is_404(world, api_as):
    assert api_as(world.director).get(f"/opportunities/{HUGE}").status_code == 404


def _errors(api, path: str, body, language: str) -> dict[str, list[str]]:
    import json

    response = api.client.post(
        "/api/v1" + path,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **api._headers(),
    )
    assert response.status_code == 422, response.content
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field", "english", "chinese"),
    [
        ({}, "name", "This field is required.", "此字段为必填项。"),
        ({"name": "x" * 300}, "name", "At most 200 characters.", "最多 200 个字符。"),
        ({"name": ""}, "name", "This field cannot be empty.", "此字段不能为空。"),
        (
            {"name": "x", "employees": -1},
            "employees",
            "Enter a value of at least 0.",
            "请输入不小于 0 的值。",
        ),
        ({"name": "x", "employees": "many"}, "employees", "Enter a whole number.", "请输入整数。"),
        ({"name": "nul\x00"}, "name", "Text must not contain NUL characters.", "文本中不能包含 NUL 字符。"),
    ],
)
def test_schema_errors_speak_the_callers_language(world, api_as, body, field, english, chinese):
    api = api_as(world.director)
    assert _errors(api, "/customers", body, "en")[field] == [english]
    assert _errors(api, "/customers", body, "zh-hans")[field] == [chinese]


def test_superscript_digits_are_not_numbers_anywhere(world, api_as):
    """ "²" passes str.isdigit() but not int(): an If-Match, id or filter made of it is a client error."""
    api = api_as(world.director)
    customer = world.east_customer
    assert api.patch(f"/customers/{customer.pk}", {"notes": "x"}, if_match='"²"').status_code == 412
    assert (
        api.post(f"/customers/{customer.pk}/analysis", {"needs_history": "x"}, if_match='"²"').status_code
        == 412
    )
    assert api.get("/customers/pyramid", {"owner": "²"}).status_code == 422
    assert api.get("/customers", {"owner": "²"}).status_code == 422


def test_a_body_that_is_not_json_is_a_400_in_the_callers_language(world, api_as):
    api = api_as(world.director)
    for language, message in (("en", "The body is not valid JSON."), ("zh-hans", "请求体不是有效的 JSON。")):
        response = api.client.post(
            "/api/v1/customers",
            "{",
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
            **api._headers(),
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": "bad_request",
            "message": message,
            "errors": {"__all__": [message]},
        }
