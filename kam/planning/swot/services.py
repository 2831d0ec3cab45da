"""Writes to SWOTs: items added, edited, moved and removed; TOWS strategies added, edited and
removed; a strategy turned into a planned activity. Each is one transaction with its history row;
edits name the version they read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import customers_for, opportunities_for
from kam.activities.models import Activity, ActivityKind, ActivityStatus, Plan, PlanPeriod
from kam.activities.plans import periods
from kam.activities.services import create_activity
from kam.core.errors import RuleViolation
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.swot.models import (
    ITEM_TEXT_MAX,
    SIDES,
    STRATEGY_TEXT_MAX,
    ItemKind,
    StrategyKind,
    Swot,
    SwotChange,
    SwotItem,
    TowsStrategy,
)
from kam.planning.swot.selectors import strategy_labels

# What each strategy draws on, and one item of each kind, in the words of the messages.
DRAWS_ON: dict[str, Any] = {
    StrategyKind.SO: gettext_lazy("strengths and opportunities"),
    StrategyKind.WO: gettext_lazy("weaknesses and opportunities"),
    StrategyKind.ST: gettext_lazy("strengths and threats"),
    StrategyKind.WT: gettext_lazy("weaknesses and threats"),
}
ONE_OF: dict[str, Any] = {
    ItemKind.STRENGTH: gettext_lazy("a strength"),
    ItemKind.WEAKNESS: gettext_lazy("a weakness"),
    ItemKind.OPPORTUNITY: gettext_lazy("an opportunity (external)"),
    ItemKind.THREAT: gettext_lazy("a threat"),
}
# A planned action starts on its due day at this hour (the activity needs a time).
ACTION_HOUR = dt.time(9, 0)


# Checks ------------------------------------------------------------------------------------------


def check_may_edit(by: User, swot_or_target: Swot | Opportunity | Customer) -> None:
    """Whoever may see the deal (or the customer) may edit its SWOT."""
    target = swot_or_target
    if isinstance(target, Swot):
        target = target.opportunity if target.opportunity_id else target.customer  # type: ignore[assignment]
    if isinstance(target, Opportunity):
        visible = opportunities_for(by).filter(pk=target.pk).exists()
    else:
        visible = customers_for(by).filter(pk=target.pk).exists()  # type: ignore[union-attr]
    if not visible:
        raise PermissionDenied(_("You cannot edit this SWOT."))


def _clean_text(field: str, text: str | None, limit: int, empty: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ValidationError({field: [empty]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(count)d characters.") % {"count": limit}]})
    return value


def _clean_item_text(text: str | None) -> str:
    return _clean_text("text", text, ITEM_TEXT_MAX, _("Write the item in a few words."))


def _clean_strategy_text(text: str | None) -> str:
    return _clean_text("text", text, STRATEGY_TEXT_MAX, _("Say what the strategy is."))


def check_strategy_items(swot: Swot, kind: str, items: Iterable[SwotItem]) -> list[SwotItem]:
    """A strategy draws on its two sides only, with at least one item from each (SO: a strength
    and an opportunity); every item must be one of this SWOT's."""
    if kind not in SIDES:
        raise ValidationError({"kind": [_("Choose SO, WO, ST or WT.")]})
    chosen = list(dict.fromkeys(items))
    if any(item.swot_id != swot.pk for item in chosen):
        raise ValidationError({"items": [_("Pick items of this SWOT.")]})
    sides = SIDES[kind]
    wrong = [item for item in chosen if item.kind not in sides]
    if wrong:
        raise ValidationError(
            {
                "items": [
                    _("%(kind)s strategies draw only on %(sides)s: %(labels)s cannot be used.")
                    % {
                        "kind": kind,
                        "sides": DRAWS_ON[kind],
                        "labels": ", ".join(f"{i.label} {Truncator(i.text).chars(40)}" for i in wrong),
                    }
                ]
            }
        )
    missing = [side for side in sides if not any(item.kind == side for item in chosen)]
    if missing:
        raise ValidationError(
            {
                "items": [
                    _(
                        "%(kind)s strategies use at least one item from each side (%(sides)s): pick %(missing)s."
                    )
                    % {
                        "kind": kind,
                        "sides": DRAWS_ON[kind],
                        "missing": _(" and ").join(str(ONE_OF[side]) for side in missing),
                    }
                ]
            }
        )
    return chosen


# History -----------------------------------------------------------------------------------------


def _history(swot: Swot, action: str, by: User, label: str, changes: dict[str, Any]) -> None:
    SwotChange.objects.create(
        swot=swot, action=action, subject_label=label[:STRATEGY_TEXT_MAX], changed_by=by, changes=changes
    )
    Swot.objects.filter(pk=swot.pk).update(updated_at=timezone.now())


def _item_record(item: SwotItem) -> dict[str, Any]:
    return {"kind": item.kind, "label": item.label, "text": item.text}


def _strategy_record(strategy: TowsStrategy, items: list[SwotItem]) -> dict[str, Any]:
    return {"kind": strategy.kind, "text": strategy.text, "items": sorted(i.label for i in items)}


# The SWOT ----------------------------------------------------------------------------------------


def swot_for(target: Opportunity | Customer) -> Swot:
    """The deal's or customer's SWOT, made on its first write."""
    scope = "opportunity" if isinstance(target, Opportunity) else "customer"
    lookup: dict[str, Any] = {scope: target}
    swot, _created = Swot.objects.get_or_create(**lookup)
    return swot


def _locked(swot: Swot) -> Swot:
    """Lock the SWOT's row: moves and removals renumber a list, one writer at a time."""
    return Swot.objects.select_for_update().get(pk=swot.pk)


# Items -------------------------------------------------------------------------------------------


def add_item(target: Opportunity | Customer, *, by: User, kind: str, text: str) -> SwotItem:
    """Add an item at the end of its kind's list."""
    if kind not in ItemKind.values:
        raise ValidationError({"kind": [_("Choose strength, weakness, opportunity or threat.")]})
    value = _clean_item_text(text)
    check_may_edit(by, target)
    with transaction.atomic():
        swot = _locked(swot_for(target))
        last = (
            SwotItem.objects.filter(swot=swot, kind=kind)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
        )
        item = SwotItem.objects.create(swot=swot, kind=kind, text=value, order=(last or 0) + 1, created_by=by)
        _history(swot, SwotChange.Action.ITEM_ADDED, by, f"{item.label} {item.text}", _item_record(item))
    return item


def update_item(item: SwotItem, *, by: User, version: int | None, text: str) -> SwotItem:
    value = _clean_item_text(text)
    check_may_edit(by, item.swot)
    with transaction.atomic():
        before = item.text
        fields: dict[str, Any] = {"text": value}
        if value != before:
            fields["updated_at"] = timezone.now()
        versioned_update(item, version, **fields)
        if value != before:
            _history(
                item.swot,
                SwotChange.Action.ITEM_EDITED,
                by,
                f"{item.label} {item.text}",
                {"text": [before, value]},
            )
    return item


def move_item(item: SwotItem, *, by: User, version: int | None, position: int) -> SwotItem:
    """Put the item at `position` (from 1) in its list; the others close up around it."""
    check_may_edit(by, item.swot)
    with transaction.atomic():
        swot = _locked(item.swot)
        ids = list(
            SwotItem.objects.filter(swot=swot, kind=item.kind)
            .order_by("order", "id")
            .values_list("pk", flat=True)
        )
        position = max(1, min(int(position), len(ids)))
        before = item.label
        ids.remove(item.pk)
        ids.insert(position - 1, item.pk)
        # The moved item carries the version check; its neighbours only change place.
        versioned_update(item, version, order=position)
        for order, pk in enumerate(ids, start=1):
            if pk != item.pk:
                SwotItem.objects.filter(pk=pk).exclude(order=order).update(order=order)
        if before != item.label:
            _history(swot, SwotChange.Action.ITEM_MOVED, by, item.text, {"label": [before, item.label]})
    return item


def remove_item(item: SwotItem, *, by: User, version: int | None = None, detach: bool = False) -> None:
    """Remove an item. One a strategy uses is refused, naming the strategies, unless `detach` says
    to take it out of them; never when a strategy would be left without an item on that side."""
    check_may_edit(by, item.swot)
    with transaction.atomic():
        swot = _locked(item.swot)
        if version is not None:
            versioned_update(item, version)
        strategies = list(
            TowsStrategy.objects.filter(items=item).prefetch_related("items").order_by("kind", "id")
        )
        if strategies:
            labels = strategy_labels(swot, {s.pk for s in strategies})
            last_on_side = [
                s
                for s in strategies
                if not any(i.kind == item.kind and i.pk != item.pk for i in s.items.all())
            ]
            if last_on_side:
                names = ", ".join(labels[s.pk] for s in last_on_side)
                message = _(
                    "%(label)s is the last item on its side in %(strategies)s: edit or remove those strategies first."
                ) % {"label": item.label, "strategies": names}
                raise RuleViolation(message, {"item": [message]})
            if not detach:
                names = ", ".join(labels[s.pk] for s in strategies)
                message = _(
                    "%(label)s is used by %(strategies)s. Remove it anyway to take it out of them."
                ) % {
                    "label": item.label,
                    "strategies": names,
                }
                raise RuleViolation(message, {"detach": [message]})
        record = _item_record(item)
        if strategies:
            record["taken_out_of"] = sorted(strategy_labels(swot, {s.pk for s in strategies}).values())
        kind = item.kind
        item.delete()
        for order, pk in enumerate(
            SwotItem.objects.filter(swot=swot, kind=kind)
            .order_by("order", "id")
            .values_list("pk", flat=True),
            start=1,
        ):
            SwotItem.objects.filter(pk=pk).exclude(order=order).update(order=order)
        _history(swot, SwotChange.Action.ITEM_REMOVED, by, f"{record['label']} {record['text']}", record)


# Strategies --------------------------------------------------------------------------------------


def add_strategy(
    target: Opportunity | Customer, *, by: User, kind: str, text: str, items: Iterable[SwotItem]
) -> TowsStrategy:
    value = _clean_strategy_text(text)
    check_may_edit(by, target)
    with transaction.atomic():
        swot = swot_for(target)
        chosen = check_strategy_items(swot, kind, items)
        strategy = TowsStrategy.objects.create(swot=swot, kind=kind, text=value, created_by=by)
        strategy.items.set(chosen)
        label = strategy_labels(swot, {strategy.pk})[strategy.pk]
        _history(
            swot, SwotChange.Action.STRATEGY_ADDED, by, f"{label} {value}", _strategy_record(strategy, chosen)
        )
    return strategy


def update_strategy(
    strategy: TowsStrategy,
    *,
    by: User,
    version: int | None,
    kind: str | None = None,
    text: str | None = None,
    items: Iterable[SwotItem] | None = None,
) -> TowsStrategy:
    """Change the strategy's cell, words or items; the rule on its sides holds after the change."""
    check_may_edit(by, strategy.swot)
    old_items = list(strategy.items.all())
    new_kind = strategy.kind if kind is None else kind
    new_text = strategy.text if text is None else _clean_strategy_text(text)
    chosen = check_strategy_items(strategy.swot, new_kind, old_items if items is None else items)
    with transaction.atomic():
        before = _strategy_record(strategy, old_items)
        fields: dict[str, Any] = {"kind": new_kind, "text": new_text}
        items_changed = {i.pk for i in chosen} != {i.pk for i in old_items}
        if items_changed or new_kind != strategy.kind or new_text != strategy.text:
            fields["updated_at"] = timezone.now()
        versioned_update(strategy, version, **fields)
        if items_changed:
            strategy.items.set(chosen)
        after = _strategy_record(strategy, chosen)
        diff = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
        if diff:
            label = strategy_labels(strategy.swot, {strategy.pk})[strategy.pk]
            _history(strategy.swot, SwotChange.Action.STRATEGY_EDITED, by, f"{label} {new_text}", diff)
    return strategy


def remove_strategy(strategy: TowsStrategy, *, by: User, version: int | None = None) -> None:
    """Remove a strategy; its items stay (and may become unused). A planned action stays an activity."""
    check_may_edit(by, strategy.swot)
    with transaction.atomic():
        if version is not None:
            versioned_update(strategy, version)
        items = list(strategy.items.all())
        label = strategy_labels(strategy.swot, {strategy.pk})[strategy.pk]
        record = _strategy_record(strategy, items)
        swot = strategy.swot
        strategy.delete()
        _history(swot, SwotChange.Action.STRATEGY_REMOVED, by, f"{label} {record['text']}", record)


def plan_action(
    strategy: TowsStrategy,
    *,
    by: User,
    version: int | None,
    owner: User,
    due: dt.date,
    kind: ActivityKind,
) -> Activity:
    """Turn the strategy into an action: a planned activity led by `owner` on `due`, on the deal
    (or the customer), in the owner's plan of that week if there is one, linked back to the strategy."""
    swot = strategy.swot
    check_may_edit(by, swot)
    if strategy.activity_id is not None:
        raise RuleViolation(_("This strategy is already an action."))
    errors: dict[str, list[str]] = {}
    target = swot.opportunity if swot.opportunity_id else swot.customer
    if not owner.is_active:
        errors["owner"] = [_("%(name)s is no longer active.") % {"name": owner}]
    elif isinstance(target, Opportunity) and not opportunities_for(owner).filter(pk=target.pk).exists():
        errors["owner"] = [
            _("%(name)s cannot see this opportunity: choose someone who can.") % {"name": owner}
        ]
    elif isinstance(target, Customer) and not customers_for(owner).filter(pk=target.pk).exists():
        errors["owner"] = [_("%(name)s cannot see this customer: choose someone who can.") % {"name": owner}]
    if due < timezone.localdate():
        errors["due"] = [_("The due date cannot be in the past.")]
    if not kind.active:
        errors["kind"] = [_("This kind of activity is no longer in use.")]
    if errors:
        raise ValidationError(errors)
    opportunity = target if isinstance(target, Opportunity) else None
    customer = target.customer if isinstance(target, Opportunity) else target
    label = strategy_labels(swot, {strategy.pk})[strategy.pk]
    # The owner's weekly plan for that week, where there is one: the action is planned work.
    week = Plan.objects.filter(
        owner=owner, period=PlanPeriod.WEEK, starts_on=periods.period_start(PlanPeriod.WEEK, due)
    ).first()
    with transaction.atomic():
        versioned_update(strategy, version)
        # The owner leads the activity (it is on their week), so it is logged as theirs.
        activity = create_activity(
            by=owner,
            kind=kind,
            customer=customer,  # type: ignore[arg-type]
            start=timezone.make_aware(dt.datetime.combine(due, ACTION_HOUR)),
            summary=Truncator(f"{label} {strategy.text}").chars(200),
            status=ActivityStatus.PLANNED,
            opportunity=opportunity,
            plan=week,
        )
        versioned_update(strategy, strategy.version, activity=activity, updated_at=timezone.now())
        _history(
            swot,
            SwotChange.Action.ACTION_CREATED,
            by,
            f"{label} {strategy.text}",
            {"activity": activity.pk, "owner": str(owner), "due": due.isoformat(), "kind": str(kind)},
        )
    return activity
