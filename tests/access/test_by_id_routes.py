"""Every route that takes a record by id answers 404 to someone who may not see the record: pages
and API operations alike, walked from the URL configuration and the OpenAPI document, so a new
route is covered the day it is added."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from kam.activities.models import Activity, ActivityKind
from kam.notifications.models import NotificationKind
from kam.notifications.services import notify
from kam.relationships.models import Influence
from tests.conftest import ApiClient, make_token
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ALLOWED_OUTSIDE = {404}  # a refusal that does not tell the record exists
# A page that only accepts POST (or GET) answers the other method with 405 before it looks anything up.
METHOD_REFUSED = 405


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_walk(entry.url_patterns, route))
        elif isinstance(entry, URLPattern):
            found.append((route, entry))
    return found


@pytest.fixture
def outsider_world(world):
    """The West team's records, and the East rep who may see none of them."""
    west_contact = ContactFactory(customer=world.west_customer, name="West buyer")
    other = ContactFactory(customer=world.west_customer, name="West engineer")
    influence = Influence.objects.create(source=west_contact, target=other)
    west_activity = Activity.objects.create(
        kind=ActivityKind.objects.get(code="visit"),
        owner=world.west_rep,
        customer=world.west_customer,
        start=timezone.now(),
        summary="West visit",
    )
    _raw, west_token = make_token(world.west_rep)
    west_notification = notify(
        world.west_rep, NotificationKind.DEAL_STALE, params={"deal": "West", "days": 40}, dedupe_key="west"
    )
    world.ids = {
        "customers": world.west_customer.pk,
        "opportunities": world.west_opp.pk,
        "contacts": west_contact.pk,
        "account/tokens": west_token.pk,
        "notifications": west_notification.pk,
    }
    world.api_ids = {
        "customer_id": world.west_customer.pk,
        "opportunity_id": world.west_opp.pk,
        "contact_id": west_contact.pk,
        "influence_id": influence.pk,
        "activity_id": west_activity.pk,
        "notification_id": west_notification.pk,
    }
    return world


def _page_paths(ids: dict[str, int]) -> list[str]:
    paths = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if "<id:pk>" not in route:
            continue
        area = next((key for key in ids if route.startswith(key + "/")), None)
        if area is None:
            continue
        path = "/" + route.replace("<id:pk>", str(ids[area]))
        path = re.sub(r"<id:\w+>", "1", path)
        paths.append(path)
    return sorted(set(paths))


def test_the_walk_finds_the_record_pages(outsider_world):
    paths = _page_paths(outsider_world.ids)
    # The areas whose records are private all have by-id pages; the walk must reach them.
    for area in ("customers", "opportunities", "contacts", "account/tokens"):
        assert any(p.startswith(f"/{area}/") for p in paths), area
    assert len(paths) >= 30


def test_no_page_shows_or_changes_a_record_its_visitor_may_not_see(client, outsider_world):
    client.force_login(outsider_world.east_rep)
    leaks = []
    for path in _page_paths(outsider_world.ids):
        statuses = {client.get(path).status_code, client.post(path).status_code}
        if not statuses <= ALLOWED_OUTSIDE | {METHOD_REFUSED} or not statuses & ALLOWED_OUTSIDE:
            leaks.append((path, sorted(statuses)))
    assert leaks == []


def _api_operations(client, ids: dict[str, int]) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json()
    operations = []
    for path, item in spec["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names or not any(name in ids for name in names):
            continue
        concrete = path
        for name in names:
            concrete = concrete.replace("{" + name + "}", str(ids.get(name, 1)))
        operations.extend(
            (method.upper(), concrete)
            for method in item
            if method in ("get", "post", "patch", "put", "delete")
        )
    return operations


def test_no_api_operation_reads_or_writes_a_record_its_caller_may_not_see(client, outsider_world):
    api = ApiClient(outsider_world.east_rep, client)
    operations = _api_operations(client, outsider_world.api_ids)
    assert len(operations) >= 25
    leaks = []
    for method, path in operations:
        response = api.client.generic(
            method, path, "{}", content_type="application/json", **api._headers(if_match=1)
        )
        # A body the schema refuses is refused before any record is read (422 tells nothing).
        if response.status_code not in (404, 422):
            leaks.append((method, path, response.status_code))
    assert leaks == []


def test_the_same_reads_answer_the_records_owner(client, outsider_world):
    """The control: the West rep reads every one of those pages and API records (so the 404s
    above are visibility, not addresses that do not exist)."""
    client.force_login(outsider_world.west_rep)
    page_reads = [p for p in _page_paths(outsider_world.ids) if client.get(p).status_code == 200]
    assert len(page_reads) >= 15
    api = ApiClient(outsider_world.west_rep, client)
    reads = [path for method, path in _api_operations(client, outsider_world.api_ids) if method == "GET"]
    statuses = {path: api.client.get(path, **api._headers()).status_code for path in reads}
    assert [path for path, status in statuses.items() if status != 200] == []
    assert len(reads) >= 15
