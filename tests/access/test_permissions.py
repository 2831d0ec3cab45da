"""kam.access.permissions: each may_* decision, and the check_* that services enforce with."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kam.access import permissions
from kam.customers.models import Tag, TagKind

pytestmark = pytest.mark.django_db


def test_tier_overrides_are_for_managers_and_above(world):
    assert not permissions.may_override_tier(world.east_rep)
    assert permissions.may_override_tier(world.east_mgr) and permissions.may_override_tier(world.director)
    with pytest.raises(PermissionDenied, match="manager"):
        permissions.check_override_tier(world.east_rep)


def test_a_customer_is_handed_over_by_its_owner_or_a_manager(world):
    assert permissions.may_hand_over_customer(world.east_rep, world.east_customer)
    assert not permissions.may_hand_over_customer(world.east_rep2, world.east_customer)
    assert permissions.may_hand_over_customer(world.east_mgr, world.east_customer)


def test_only_administrators_edit_the_scoring_model(world):
    assert permissions.may_edit_scoring_model(world.admin)
    assert not permissions.may_edit_scoring_model(world.director)
    with pytest.raises(PermissionDenied, match="administrator"):
        permissions.check_edit_scoring_model(world.east_mgr)


def test_tags_static_for_everyone_dynamic_for_managers(world):
    assert permissions.may_create_tag(world.east_rep, TagKind.STATIC)
    assert not permissions.may_create_tag(world.east_rep, TagKind.DYNAMIC)
    assert permissions.may_create_tag(world.east_mgr, TagKind.DYNAMIC)
    own = Tag.objects.create(name="mine", kind=TagKind.STATIC, created_by=world.east_rep)
    theirs = Tag.objects.create(name="theirs", kind=TagKind.STATIC, created_by=world.east_rep2)
    assert permissions.may_change_tag(world.east_rep, own)
    assert not permissions.may_change_tag(world.east_rep, theirs)
    assert permissions.may_change_tag(world.west_mgr, theirs)
    with pytest.raises(PermissionDenied, match="delete"):
        permissions.check_delete_tag(world.east_rep, theirs)


def test_targets_are_set_by_managers_within_their_subtree(world):
    assert not permissions.may_set_targets(world.east_rep)
    assert permissions.may_set_target(world.east_mgr, user=world.east_rep)
    assert not permissions.may_set_target(world.east_mgr, user=world.west_rep)
    assert permissions.may_set_target(world.director, team=world.west)
    with pytest.raises(PermissionDenied):
        permissions.check_change_target(world.west_mgr, user=world.east_rep)


def test_an_inactive_user_may_do_nothing(world):
    world.director.is_active = False
    assert not permissions.may_override_tier(world.director)
    assert not permissions.may_set_targets(world.director)
    assert not permissions.may_create_tag(world.director, TagKind.STATIC)
