"""Numbers no database row could have (past 64 bits, or digits int() refuses) are "no such thing":
a filter that is ignored, a 404, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.core.ids import parse_id, parse_page

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("1.5", None),
        ("", None),
        (None, None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        (HUGE, None),
        ("１２", 12),
    ],
)
def test_parse_id(text, expected):
    assert parse_id(text) == expected


def test_parse_page_is_at_least_one_and_bounded():
    assert parse_page(None) == 1 and parse_page("abc") == 1 and parse_page(HUGE) == 1
    assert parse_page("3") == 3 and parse_page("5000000") == 1_000_000


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("opportunities:pipeline", {"owner": HUGE}),
        ("opportunities:pipeline", {"team": HUGE, "stage": HUGE, "customer": HUGE}),
        ("analysis:matrix", {"owner": HUGE, "team": HUGE, "stage": HUGE, "customer": HUGE}),
        ("health:page", {"owner": HUGE, "team": HUGE}),
        ("health:page", {"page": HUGE}),
        ("opportunities:create", {"customer": HUGE}),
        ("relationships:create", {"customer": HUGE}),
    ],
)
def test_huge_numbers_in_query_parameters_are_not_errors(client, world, name, params):
    client.force_login(world.director)
    response = client.get(reverse(name), params)
    assert response.status_code in (200, 404), response.status_code


def test_huge_ids_in_addresses_are_404(client, world):
    client.force_login(world.director)
    for path in (
        f"/opportunities/{HUGE}/",
        f"/customers/{HUGE}/",
        f"/opportunities/{world.east_opp.pk}/members/{HUGE}/remove/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
