"""SWOT items and TOWS strategies through the services: which item kinds each strategy draws on,
the at-least-one-from-each-side rule, unused items, removal of an item in use, order, versions
and history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.planning.swot import selectors, services
from kam.planning.swot.models import SIDES, ItemKind, StrategyKind, SwotChange, SwotItem, TowsStrategy

pytestmark = pytest.mark.django_db


def _items(world, *specs):
    return [services.add_item(world.east_opp, by=world.east_rep, kind=k, text=t) for k, t in specs]


def test_each_strategy_draws_on_its_internal_and_external_side():
    assert SIDES == {
        StrategyKind.SO: (ItemKind.STRENGTH, ItemKind.OPPORTUNITY),
        StrategyKind.WO: (ItemKind.WEAKNESS, ItemKind.OPPORTUNITY),
        StrategyKind.ST: (ItemKind.STRENGTH, ItemKind.THREAT),
        StrategyKind.WT: (ItemKind.WEAKNESS, ItemKind.THREAT),
    }


@pytest.mark.parametrize(
    ("kind", "pair"),
    [("SO", ("S", "O")), ("WO", ("W", "O")), ("ST", ("S", "T")), ("WT", ("W", "T"))],
)
def test_a_strategy_from_one_item_of_each_side_lands_in_its_cell(world, kind, pair):
    s, w, o, t = _items(
        world,
        ("S", "Local service team"),
        ("W", "Higher price"),
        ("O", "Capacity expansion"),
        ("T", "Rival's CTO ties"),
    )
    by_kind = {"S": s, "W": w, "O": o, "T": t}
    strategy = services.add_strategy(
        world.east_opp, by=world.east_rep, kind=kind, text="Do it", items=[by_kind[pair[0]], by_kind[pair[1]]]
    )
    ws = selectors.workspace(strategy.swot)
    assert [r.strategy.pk for r in ws.strategies[kind]] == [strategy.pk]
    assert all(not ws.strategies[k] for k in StrategyKind.values if k != kind)
    assert [r.label for r in ws.strategies[kind][0].items] == [f"{pair[0]}1", f"{pair[1]}1"]


def test_a_strategy_without_an_item_of_one_side_is_refused_naming_what_is_missing(world):
    s, o = _items(world, ("S", "Reference plant"), ("O", "New line"))
    with pytest.raises(ValidationError) as refused:
        services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="Lean on it", items=[s])
    message = refused.value.message_dict["items"][0]
    assert "at least one item from each side" in message and "an opportunity" in message
    with pytest.raises(ValidationError):
        services.add_strategy(world.east_opp, by=world.east_rep, kind="WT", text="Nothing", items=[])
    assert not TowsStrategy.objects.exists()


def test_an_item_of_another_side_is_refused(world):
    s, w, o = _items(world, ("S", "Reference plant"), ("W", "Late delivery"), ("O", "New line"))
    with pytest.raises(ValidationError) as refused:
        services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="Mixed", items=[s, o, w])
    assert "W1" in refused.value.message_dict["items"][0]
    assert not TowsStrategy.objects.exists()


def test_items_of_another_swot_are_refused(world):
    (s,) = _items(world, ("S", "Ours"))
    other = services.add_item(world.east_opp2, by=world.east_rep2, kind="O", text="Theirs")
    with pytest.raises(ValidationError) as refused:
        services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s, other])
    assert refused.value.message_dict["items"] == ["Pick items of this SWOT."]


def test_unused_items_are_those_no_strategy_uses(world, django_assert_num_queries):
    s1, s2, o1, t1 = _items(world, ("S", "A"), ("S", "B"), ("O", "C"), ("T", "D"))
    services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s1, o1])
    ws = selectors.workspace(s1.swot)
    assert [r.label for r in ws.unused] == ["S2", "T1"]
    with django_assert_num_queries(1):
        assert selectors.state(world.east_opp, world.east_rep) == "4 items · 1 strategy · 2 unused"


def test_state_says_not_started_without_a_swot(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.state(world.east_opp, world.east_rep) == "not started"


def test_removing_an_item_in_use_asks_then_takes_it_out_of_its_strategies(world):
    s1, s2, o1 = _items(world, ("S", "A"), ("S", "B"), ("O", "C"))
    strategy = services.add_strategy(
        world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s1, s2, o1]
    )
    with pytest.raises(RuleViolation) as refused:
        services.remove_item(s1, by=world.east_rep)
    assert "SO1" in str(refused.value) and "detach" in refused.value.errors
    assert SwotItem.objects.filter(pk=s1.pk).exists()
    services.remove_item(s1, by=world.east_rep, detach=True)
    assert not SwotItem.objects.filter(pk=s1.pk).exists()
    assert set(strategy.items.values_list("text", flat=True)) == {"B", "C"}
    # The remaining strength closes up to S1.
    assert SwotItem.objects.get(pk=s2.pk).order == 1


def test_removing_the_last_item_of_a_side_is_refused_even_when_asked(world):
    s1, o1 = _items(world, ("S", "A"), ("O", "C"))
    services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s1, o1])
    with pytest.raises(RuleViolation) as refused:
        services.remove_item(o1, by=world.east_rep, detach=True)
    assert "O1 is the last item on its side in SO1" in str(refused.value)
    assert SwotItem.objects.filter(pk=o1.pk).exists()


def test_moving_an_item_renumbers_its_list(world):
    a, b, c = _items(world, ("S", "A"), ("S", "B"), ("S", "C"))
    services.move_item(c, by=world.east_rep, version=c.version, position=1)
    assert list(SwotItem.objects.filter(kind="S").order_by("order").values_list("text", flat=True)) == [
        "C",
        "A",
        "B",
    ]
    assert SwotChange.objects.filter(action="item_moved").get().changes == {"label": ["S3", "S1"]}


def test_a_stale_edit_is_a_conflict_and_history_keeps_the_words(world):
    (item,) = _items(world, ("T", "Price war"))
    services.update_item(item, by=world.east_rep, version=1, text="Price war in Q3")
    stale = SwotItem.objects.get(pk=item.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        services.update_item(stale, by=world.east_rep, version=1, text="Other words")
    assert SwotItem.objects.get(pk=item.pk).text == "Price war in Q3"
    edit = SwotChange.objects.get(action="item_edited")
    assert edit.changes == {"text": ["Price war", "Price war in Q3"]} and edit.changed_by == world.east_rep


def test_a_strategy_edit_keeps_the_side_rule(world):
    s, w, o = _items(world, ("S", "A"), ("W", "B"), ("O", "C"))
    strategy = services.add_strategy(world.east_opp, by=world.east_rep, kind="SO", text="x", items=[s, o])
    with pytest.raises(ValidationError):
        services.update_strategy(strategy, by=world.east_rep, version=strategy.version, kind="WO")
    services.update_strategy(strategy, by=world.east_rep, version=strategy.version, kind="WO", items=[w, o])
    assert TowsStrategy.objects.get(pk=strategy.pk).kind == "WO"
    assert SwotChange.objects.get(action="strategy_edited").changes["kind"] == ["SO", "WO"]


def test_someone_who_cannot_see_the_deal_cannot_write_its_swot(world):
    with pytest.raises(PermissionDenied):
        services.add_item(world.east_opp, by=world.west_rep, kind="S", text="x")
    assert not SwotItem.objects.exists()


def test_a_customer_has_its_own_swot_beside_its_deals(world):
    own = services.add_item(world.east_customer, by=world.east_rep, kind="S", text="Account-wide")
    deal = services.add_item(world.east_opp, by=world.east_rep, kind="S", text="Deal")
    assert own.swot_id != deal.swot_id
    assert own.swot.customer == world.east_customer and deal.swot.opportunity == world.east_opp
