"""Shared by the tags tests: the names of a tag's members as a reader sees them, and a dynamic tag."""

from __future__ import annotations

from kam.customers.models import Tag, TagKind
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags


def member_names(user, tag) -> set[str]:
    return set(tags_selectors.members(user, tag).values_list("name", flat=True))


def dynamic(by, name="Big manufacturers", **rule) -> Tag:
    return tags.create_tag(by=by, name=name, kind=TagKind.DYNAMIC, rule=rule)
