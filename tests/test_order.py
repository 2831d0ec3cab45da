"""The order tests are handed out in: long ones first, never a flushing test before a rolled-back one."""

from __future__ import annotations

import pytest

from tests.conftest import long_first


class Item:
    def __init__(self, name: str, *marks: pytest.MarkDecorator, fixtures: tuple[str, ...] = ()) -> None:
        self.name = name
        self.marks = {mark.mark.name: mark.mark for mark in marks}
        self.fixturenames = fixtures

    def get_closest_marker(self, name: str):
        return self.marks.get(name)


def order(*items: Item) -> list[str]:
    return [item.name for item in sorted(items, key=long_first)]


def test_a_long_test_comes_first_within_its_part_and_the_parts_keep_pytest_djangos_order():
    items = (
        Item("plain"),
        Item("browser", fixtures=("page", "transactional_db", "live_server")),
        Item("rolled back", pytest.mark.django_db),
        Item("long browser", pytest.mark.long, fixtures=("transactional_db",)),
        Item("committing", pytest.mark.django_db(transaction=True)),
        Item("long rolled back", pytest.mark.long, fixtures=("db",)),
        Item("long without a database", pytest.mark.long),
        Item("rolled back by fixture", fixtures=("db",)),
    )

    assert order(*items) == [
        "long without a database",
        "long rolled back",
        "rolled back",
        "rolled back by fixture",
        "long browser",
        "browser",
        "committing",
        "plain",
    ]
