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


class Recorded:
    """A world recorded under the test's own name (whatever the other tests recorded), the database
    then rolled back to before it: the next `again()` writes it back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.builds: list[str] = []
        self.saved = transaction.savepoint()
        self.first = self.again()
        self.rows = _dump()
        transaction.savepoint_rollback(self.saved)

    def build(self):
        self.builds.append(self.name)
        return build_world()

    def again(self):
        return recorded(self.name, self.build)


@pytest.fixture
def once(request) -> Recorded:
    return Recorded(request.node.nodeid)


def test_a_written_back_world_has_every_row_and_object_of_the_one_built(once):
    assert Opportunity.objects.count() == 0

    again = once.again()

    assert once.builds == [once.name]  # built once, written back the second time
    assert _dump() == once.rows  # every table, every column (audit entries, rollups, flags, scores)
    assert again.east_opp.pk == once.first.east_opp.pk
    assert again.east_opp.name == "East furnace"
    assert again.east_opp.owner is again.east_rep  # the objects refer to each other as built
    assert again.east_opp is not once.first.east_opp
    assert Opportunity.objects.filter(owner=again.east_rep).count() == 1


def test_each_test_gets_its_own_copy_of_the_objects(once):
    first = once.again()
    first.east_opp.name = "Renamed in memory"
    transaction.savepoint_rollback(once.saved)
    second = once.again()

    assert once.builds == [once.name]
    assert second.east_opp.name == "East furnace"


def test_a_database_that_starts_otherwise_builds_for_real(once):
    Team.objects.create(name="Made first")
    world = once.again()

    assert once.builds == [once.name, once.name]
    assert world.root.name == "Sales"
    assert Team.objects.filter(name="Made first").exists()


def test_rows_made_after_a_write_back_take_new_ids(once):
    world = once.again()

    later = make_opportunity(owner=world.east_rep, customer=world.east_customer, name="Second line")

    assert once.builds == [once.name]
    assert later.pk not in {world.east_opp.pk, world.east_opp2.pk, world.west_opp.pk}
    assert Opportunity.objects.filter(owner=world.east_rep).count() == 2
