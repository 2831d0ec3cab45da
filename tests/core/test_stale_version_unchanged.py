"""A stale version is a conflict even when the values sent are the ones already stored: the editor
read an older copy, so saving it must not pass as current (kam.core.versioning.versioned_update),
through the services and through the API's If-Match (412)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import F

from kam.core.errors import ConflictError
from kam.customers import services as customer_services
from kam.customers.tags import services as tag_services
from kam.opportunities import services as opportunity_services
from kam.relationships import services as contact_services
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _customer(world):
    return (
        world.east_customer,
        world.east_rep,
        customer_services.update_customer,
        f"/customers/{world.east_customer.pk}",
    )


def _opportunity(world):
    opp = world.east_opp
    return opp, world.east_rep, opportunity_services.update_opportunity, f"/opportunities/{opp.pk}"


def _contact(world):
    contact = ContactFactory(customer=world.east_customer, name="Li Wei")
    return contact, world.east_rep, contact_services.update_contact, f"/contacts/{contact.pk}"


def _tag(world):
    tag = tag_services.create_tag(by=world.admin, name="Strategic")
    return tag, world.admin, tag_services.update_tag, f"/tags/{tag.pk}"


CASES: dict[str, Callable[[Any], tuple[Any, Any, Callable[..., Any], str]]] = {
    "customer": _customer,
    "opportunity": _opportunity,
    "contact": _contact,
    "tag": _tag,
}


def _someone_else_saved(record) -> tuple[int, Any]:
    """The version this editor read, and the record as it is now (one save later, same values)."""
    model = type(record)
    read = model.objects.get(pk=record.pk).version
    model.objects.filter(pk=record.pk).update(version=F("version") + 1)
    return read, model.objects.get(pk=record.pk)


@pytest.mark.parametrize("kind", list(CASES))
def test_service_refuses_unchanged_values_with_a_stale_version(world, kind):
    record, by, update, _path = CASES[kind](world)
    stale, current = _someone_else_saved(record)
    with pytest.raises(ConflictError) as refused:
        update(current, by=by, version=stale, name=current.name)
    assert refused.value.current_version == stale + 1
    assert type(record).objects.get(pk=record.pk).version == stale + 1  # nothing written


@pytest.mark.parametrize("kind", list(CASES))
def test_service_accepts_unchanged_values_with_the_current_version(world, kind):
    record, by, update, _path = CASES[kind](world)
    _stale, current = _someone_else_saved(record)
    update(current, by=by, version=current.version, name=current.name)


@pytest.mark.parametrize("kind", list(CASES))
def test_api_answers_412_for_unchanged_values_with_a_stale_if_match(world, api_as, kind):
    record, by, _update, path = CASES[kind](world)
    stale, current = _someone_else_saved(record)
    response = api_as(by).patch(path, {"name": current.name}, if_match=stale)
    assert response.status_code == 412, response.content
    assert type(record).objects.get(pk=record.pk).version == stale + 1
    again = api_as(by).patch(path, {"name": current.name}, if_match=current.version)
    assert again.status_code == 200, again.content
