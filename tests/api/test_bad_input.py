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
        ("post", "/opportunities/{opp}/close", {"status": "lost", "reason": "x", "lost_to": HUGE}, "lost_to"),
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
