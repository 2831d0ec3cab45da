"""kam.org.visibility: whose work a user may see."""

import pytest

from kam.org.visibility import visible_users

pytestmark = pytest.mark.django_db


def test_visible_users_for_manager_is_the_team(world):
    assert set(visible_users(world.east_mgr)) == {world.east_mgr, world.east_rep, world.east_rep2}
    assert set(visible_users(world.east_rep)) == {world.east_rep}
