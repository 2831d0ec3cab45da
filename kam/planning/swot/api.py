"""SWOT and TOWS over JSON: a deal's or a customer's SWOT with its TOWS matrix and unused items;
writes through the same services as the page (items and strategies need If-Match)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.activities.models import ActivityKind
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    RuleViolationOut,
    expected_version,
    set_etag,
)
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.planning.swot import selectors, services
from kam.planning.swot.models import SwotItem
from kam.planning.swot.schemas import (
    SwotActionIn,
    SwotItemCreateIn,
    SwotItemMoveIn,
    SwotItemOut,
    SwotItemUpdateIn,
    SwotOut,
    TowsStrategyCreateIn,
    TowsStrategyOut,
    TowsStrategyUpdateIn,
)
from kam.planning.swot.selectors import Subject

router = Router(tags=["SWOT and TOWS"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: RuleViolationOut}


# Helpers -----------------------------------------------------------------------------------------


def _body(subj: Subject) -> dict[str, Any]:
    swot = subj.swot()
    return SwotOut.build(
        selectors.workspace(swot),
        opportunity=subj.opportunity,
        customer=None if subj.opportunity else subj.target,
        history=selectors.history(swot),
    )


def _items(subj: Subject, ids: list[int]) -> list[SwotItem]:
    swot = subj.swot()
    found = {i.pk: i for i in SwotItem.objects.filter(pk__in=ids, swot=swot)} if swot else {}
    if any(i not in found for i in ids):
        raise ValidationError({"items": [_("Pick items of this SWOT.")]})
    return [found[i] for i in ids]


def _item_out(subj: Subject, item_id: int, response: HttpResponse) -> dict[str, Any]:
    ws = selectors.workspace(subj.swot())
    row = next(r for rows in ws.items.values() for r in rows if r.item.pk == item_id)
    set_etag(response, row.item.version)
    return SwotItemOut.from_row(row)


def _strategy_out(subj: Subject, strategy_id: int, response: HttpResponse) -> dict[str, Any]:
    ws = selectors.workspace(subj.swot())
    row = next(r for rows in ws.strategies.values() for r in rows if r.strategy.pk == strategy_id)
    set_etag(response, row.strategy.version)
    return TowsStrategyOut.from_row(row)


def _add_item(
    request: HttpRequest, response: HttpResponse, subj: Subject, payload: SwotItemCreateIn
) -> Status:
    item = services.add_item(subj.target, by=current_user(request), kind=payload.kind, text=payload.text)
    return Status(201, _item_out(subj, item.pk, response))


def _add_strategy(
    request: HttpRequest, response: HttpResponse, subj: Subject, payload: TowsStrategyCreateIn
) -> Status:
    strategy = services.add_strategy(
        subj.target,
        by=current_user(request),
        kind=payload.kind,
        text=payload.text,
        items=_items(subj, payload.items),
    )
    return Status(201, _strategy_out(subj, strategy.pk, response))


def _kind(value: str) -> ActivityKind:
    number = parse_id(value)
    qs = ActivityKind.objects.all()
    found = qs.filter(pk=number).first() if number else qs.filter(code=value).first()
    if found is None:
        raise ValidationError({"kind": [_("Unknown kind of activity.")]})
    return found


# A deal's SWOT -----------------------------------------------------------------------------------


@router.get("/swot/opportunities/{int:opportunity_id}", response={200: SwotOut, **READ_ERRORS})
def swot_of_opportunity(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """The four lists, the TOWS matrix (strategies with the items they use) and the unused items."""
    return _body(selectors.subject(current_user(request), "opportunity", opportunity_id))


@router.post("/swot/opportunities/{int:opportunity_id}/items", response={201: SwotItemOut, **WRITE_ERRORS})
def swot_add_opportunity_item(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: SwotItemCreateIn
) -> Status:
    """Add an item at the end of its list (the SWOT is made on its first item)."""
    subj = selectors.subject(current_user(request), "opportunity", opportunity_id)
    return _add_item(request, response, subj, payload)


@router.post(
    "/swot/opportunities/{int:opportunity_id}/strategies", response={201: TowsStrategyOut, **WRITE_ERRORS}
)
def swot_add_opportunity_strategy(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: TowsStrategyCreateIn
) -> Status:
    """A TOWS strategy with at least one item from each of its sides (SO: a strength and an opportunity)."""
    subj = selectors.subject(current_user(request), "opportunity", opportunity_id)
    return _add_strategy(request, response, subj, payload)


# A customer's SWOT -------------------------------------------------------------------------------


@router.get("/swot/customers/{int:customer_id}", response={200: SwotOut, **READ_ERRORS})
def swot_of_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return _body(selectors.subject(current_user(request), "customer", customer_id))


@router.post("/swot/customers/{int:customer_id}/items", response={201: SwotItemOut, **WRITE_ERRORS})
def swot_add_customer_item(
    request: HttpRequest, response: HttpResponse, customer_id: int, payload: SwotItemCreateIn
) -> Status:
    subj = selectors.subject(current_user(request), "customer", customer_id)
    return _add_item(request, response, subj, payload)


@router.post("/swot/customers/{int:customer_id}/strategies", response={201: TowsStrategyOut, **WRITE_ERRORS})
def swot_add_customer_strategy(
    request: HttpRequest, response: HttpResponse, customer_id: int, payload: TowsStrategyCreateIn
) -> Status:
    subj = selectors.subject(current_user(request), "customer", customer_id)
    return _add_strategy(request, response, subj, payload)


# Items -------------------------------------------------------------------------------------------


@router.patch("/swot/items/{int:item_id}", response={200: SwotItemOut, **VERSIONED_WRITE_ERRORS})
def swot_update_item(
    request: HttpRequest, response: HttpResponse, item_id: int, payload: SwotItemUpdateIn
) -> Any:
    """Change an item's words. Needs If-Match with the item's version (428 without, 412 if stale)."""
    by = current_user(request)
    item = selectors.get_visible_item(by, item_id)
    version = expected_version(request, item.version)
    services.update_item(item, by=by, version=version, text=payload.text)
    return _item_out(selectors.subject_of(item.swot), item.pk, response)


@router.post("/swot/items/{int:item_id}/move", response={200: SwotItemOut, **VERSIONED_WRITE_ERRORS})
def swot_move_item(
    request: HttpRequest, response: HttpResponse, item_id: int, payload: SwotItemMoveIn
) -> Any:
    """Put the item at `position` in its list; the others close up. Needs If-Match."""
    by = current_user(request)
    item = selectors.get_visible_item(by, item_id)
    version = expected_version(request, item.version)
    services.move_item(item, by=by, version=version, position=payload.position)
    return _item_out(selectors.subject_of(item.swot), item.pk, response)


@router.delete("/swot/items/{int:item_id}", response={204: None, **VERSIONED_WRITE_ERRORS})
def swot_remove_item(request: HttpRequest, item_id: int, detach: bool = False) -> Status:
    """Remove an item. One a strategy uses is refused (409, naming the strategies) unless
    `detach=true`; never when a strategy would be left without an item on that side. Needs If-Match."""
    by = current_user(request)
    item = selectors.get_visible_item(by, item_id)
    version = expected_version(request, item.version)
    services.remove_item(item, by=by, version=version, detach=detach)
    return Status(204, None)


# Strategies --------------------------------------------------------------------------------------


@router.patch("/swot/strategies/{int:strategy_id}", response={200: TowsStrategyOut, **VERSIONED_WRITE_ERRORS})
def swot_update_strategy(
    request: HttpRequest, response: HttpResponse, strategy_id: int, payload: TowsStrategyUpdateIn
) -> Any:
    """Change the cell, the words or the items (the whole list). Needs If-Match."""
    by = current_user(request)
    strategy = selectors.get_visible_strategy(by, strategy_id)
    version = expected_version(request, strategy.version)
    subj = selectors.subject_of(strategy.swot)
    changes = payload.model_dump(exclude_unset=True)
    if any(changes.get(name, "") is None for name in ("kind", "text", "items")):
        raise ValidationError({n: [_("This field cannot be empty.")] for n in changes if changes[n] is None})
    services.update_strategy(
        strategy,
        by=by,
        version=version,
        kind=changes.get("kind"),
        text=changes.get("text"),
        items=_items(subj, changes["items"]) if "items" in changes else None,
    )
    return _strategy_out(subj, strategy.pk, response)


@router.delete("/swot/strategies/{int:strategy_id}", response={204: None, **VERSIONED_WRITE_ERRORS})
def swot_remove_strategy(request: HttpRequest, strategy_id: int) -> Status:
    """Its items stay; a planned action stays an activity. Needs If-Match."""
    by = current_user(request)
    strategy = selectors.get_visible_strategy(by, strategy_id)
    version = expected_version(request, strategy.version)
    services.remove_strategy(strategy, by=by, version=version)
    return Status(204, None)


@router.post(
    "/swot/strategies/{int:strategy_id}/action", response={201: TowsStrategyOut, **VERSIONED_WRITE_ERRORS}
)
def swot_plan_action(
    request: HttpRequest, response: HttpResponse, strategy_id: int, payload: SwotActionIn
) -> Status:
    """Turn the strategy into a planned activity led by `owner` on `due` (09:00), on the deal or the
    customer, linked back to the strategy. Needs If-Match with the strategy's version."""
    by = current_user(request)
    strategy = selectors.get_visible_strategy(by, strategy_id)
    version = expected_version(request, strategy.version)
    subj = selectors.subject_of(strategy.swot)
    owner = selectors.owner_candidates(by, subj).filter(pk=payload.owner).first()
    if owner is None:
        raise ValidationError({"owner": [_("Unknown user.")]})
    services.plan_action(
        strategy, by=by, version=version, owner=owner, due=payload.due, kind=_kind(payload.kind)
    )
    return Status(201, _strategy_out(subj, strategy.pk, response))
