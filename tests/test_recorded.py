"""The shared `world`: written back, it is the same rows and objects as built through the services."""

from __future__ import annotations

import pytest
from django.db import transaction

from kam.opportunities.models import Opportunity
from kam.org.models import Team
from tests.conftest import build_world
from tests.factories import make_opportunity
from tests.recorded import _dump, recorded

pytestmark = pytest.mark.django_db


def counting(name: str):
    builds = []

    def build():
        builds.append(name)
        return build_world()

    return build, builds


def test_a_written_back_world_has_every_row_and_object_of_the_one_built(request):
    name = request.node.nodeid  # a recording of its own, whatever the other tests recorded
    build, builds = counting(name)
    saved = transaction.savepoint()
    built = recorded(name, build)
    rows = _dump()
    transaction.savepoint_rollback(saved)
    assert Opportunity.objects.count() == 0

    again = recorded(name, build)

    assert builds == [name]  # built once, written back the second time
    assert _dump() == rows  # every table, every column (audit entries, rollups, flags, scores)
    assert again.east_opp.pk == built.east_opp.pk
    assert again.east_opp.name == "East furnace"
    assert again.east_opp.owner is again.east_rep  # the objects refer to each other as built
    assert again.east_opp is not built.east_opp
    assert Opportunity.objects.filter(owner=again.east_rep).count() == 1


def test_each_test_gets_its_own_copy_of_the_objects(request):
    name = request.node.nodeid
    build, builds = counting(name)
    saved = transaction.savepoint()
    recorded(name, build)
    transaction.savepoint_rollback(saved)

    first = recorded(name, build)
    first.east_opp.name = "Renamed in memory"
    transaction.savepoint_rollback(saved)
    second = recorded(name, build)

    assert builds == [name]
    assert second.east_opp.name == "East furnace"


def test_a_database_that_starts_otherwise_builds_for_real(request):
    name = request.node.nodeid
    build, builds = counting(name)
    saved = transaction.savepoint()
    recorded(name, build)
    transaction.savepoint_rollback(saved)

    Team.objects.create(name="Made first")
    world = recorded(name, build)

    assert builds == [name, name]
    assert world.root.name == "Sales"
    assert Team.objects.filter(name="Made first").exists()


def test_rows_made_after_a_write_back_take_new_ids(request):
    name = request.node.nodeid
    build, builds = counting(name)
    saved = transaction.savepoint()
    recorded(name, build)
    transaction.savepoint_rollback(saved)
    world = recorded(name, build)

    later = make_opportunity(owner=world.east_rep, customer=world.east_customer, name="Second line")

    assert builds == [name]
    assert later.pk not in {world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk}
    assert Opportunity.objects.filter(owner=world.east_rep).count() == 2
