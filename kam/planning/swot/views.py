"""The SWOT page of a deal or a customer: the four lists, the TOWS matrix and the history, with
every write posted through htmx (the workspace comes back) or as a plain form (back to the page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_customer
from kam.activities.models import ActivityKind
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.planning.swot import selectors, services
from kam.planning.swot.forms import ActionForm, ItemEditForm, ItemForm, MoveForm, RemoveForm, StrategyForm
from kam.planning.swot.models import ItemKind, StrategyKind, SwotItem
from kam.planning.swot.selectors import Subject

# The 2×2 grid, read left to right, top to bottom: ours above, the market's below.
QUADRANTS = (ItemKind.STRENGTH, ItemKind.WEAKNESS, ItemKind.OPPORTUNITY, ItemKind.THREAT)
DEFAULT_ACTION_KIND = "meeting"
# An action is offered for a week ahead; the owner picks the day.
DEFAULT_DUE_DAYS = 7


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _quadrant_titles() -> dict[str, tuple[str, str]]:
    return {
        ItemKind.STRENGTH: (pgettext("swot", "Strengths"), _("internal, helpful")),
        ItemKind.WEAKNESS: (pgettext("swot", "Weaknesses"), _("internal, harmful")),
        ItemKind.OPPORTUNITY: (pgettext("swot", "Opportunities"), _("external, helpful")),
        ItemKind.THREAT: (pgettext("swot", "Threats"), _("external, harmful")),
    }


def _context(request: HttpRequest, subj: Subject, **state: Any) -> dict[str, Any]:
    """Everything the page and its workspace show; `state` holds a form being edited or refused."""
    user = current_user(request)
    swot = subj.swot()
    ws = selectors.workspace(swot)
    titles = _quadrant_titles()
    item_forms = state.pop("item_forms", {})
    quadrants = [
        {
            "kind": kind,
            "title": titles[kind][0],
            "side": titles[kind][1],
            "rows": ws.rows(kind),
            "form": item_forms.get(kind) or ItemForm(initial={"kind": kind}, auto_id=f"id_{kind}_%s"),
        }
        for kind in QUADRANTS
    ]
    items_qs = selectors.items_in_order(swot)
    cells = {
        kind: {"kind": kind, "title": StrategyKind(kind).label, "rows": ws.strategies[kind]}
        for kind in StrategyKind.values
    }
    editing_strategy = state.get("editing_strategy")
    if editing_strategy is not None and "strategy_edit_form" not in state:
        row = next((r for k in cells.values() for r in k["rows"] if r.strategy.pk == editing_strategy), None)
        if row is not None:
            state["strategy_edit_form"] = StrategyForm(
                items=items_qs,
                auto_id="id_edit_%s",
                initial={
                    "kind": row.strategy.kind,
                    "text": row.strategy.text,
                    "items": [r.item.pk for r in row.items],
                    "version": row.strategy.version,
                },
            )
    acting = state.get("acting")
    if acting is not None and "action_form" not in state:
        row = next((r for k in cells.values() for r in k["rows"] if r.strategy.pk == acting), None)
        if row is not None:
            kind = ActivityKind.objects.filter(code=DEFAULT_ACTION_KIND, active=True).first()
            state["action_form"] = ActionForm(
                owners=selectors.owner_candidates(user, subj),
                auto_id="id_action_%s",
                initial={
                    "owner": user.pk,
                    "version": row.strategy.version,
                    "kind": kind.pk if kind else None,
                    "due": timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS),
                },
            )
    context = {
        "subject": subj,
        "target": subj.target,
        "swot": swot,
        "ws": ws,
        "quadrants": quadrants,
        "cells": cells,
        "strategy_form": state.pop("strategy_form", None)
        or StrategyForm(items=items_qs, auto_id="id_new_%s"),
        "history": selectors.history(swot),
        "page_url": subj.page_url,
        "add_item_url": reverse(f"planning_swot:{subj.scope}_add_item", kwargs={"pk": subj.target.pk}),
        "add_strategy_url": reverse(
            f"planning_swot:{subj.scope}_add_strategy", kwargs={"pk": subj.target.pk}
        ),
        "summary": selectors.summary(ws.item_count, ws.strategy_count, len(ws.unused)),
    }
    context.update(state)
    return context


def _show(request: HttpRequest, subj: Subject, *, status: int = 200, **state: Any) -> HttpResponse:
    context = _context(request, subj, **state)
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, "planning/swot/page.html#workspace", context)
    return render(request, "planning/swot/page.html", context, status=status)


def _stale(request: HttpRequest, subj: Subject) -> HttpResponse:
    """A form without the fields a write needs (a page from before a change, or tampered with)."""
    return _show(
        request,
        subj,
        status=400,
        error=_("This page was out of date or incomplete: reload it and try again."),
    )


def _done(request: HttpRequest, subj: Subject, notice: str, **state: Any) -> HttpResponse:
    if _is_htmx(request):
        return _show(request, subj, notice=notice, **state)
    messages.success(request, notice)
    anchor = state.get("focus_item") and f"#item-{state['focus_item']}" or ""
    return redirect(subj.page_url + anchor)


def _state_from_query(request: HttpRequest) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for name, key in (("edit", "editing"), ("strategy", "editing_strategy"), ("action", "acting")):
        value = parse_id(request.GET.get(name))
        if value:
            state[key] = value
    return state


# Pages -------------------------------------------------------------------------------------------


@login_required
@require_GET
def swot_page(request: HttpRequest, pk: int, scope: str) -> HttpResponse:
    subj = selectors.subject(current_user(request), scope, pk)
    return _show(request, subj, **_state_from_query(request))


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The SWOT section the customer's 360° page loads: its own SWOT, and its deals' that the reader sees."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if not _is_htmx(request):
        # Opened as a link (no JavaScript): the SWOT page itself.
        return redirect("planning_swot:customer", pk=customer.pk)
    panel = selectors.customer_panel(user, customer)
    rows = [
        {"swot": s, "summary": selectors.summary(s.n_items, s.n_strategies, s.n_unused)}  # type: ignore[attr-defined]
        for s in panel["deals"]
    ]
    own = panel["own"]
    context = {
        "customer": customer,
        "own_summary": selectors.summary(own.n_items, own.n_strategies, own.n_unused) if own else "",  # type: ignore[attr-defined]
        "deals": rows,
    }
    return render(request, "planning/swot/_customer_panel.html", context)


# Items -------------------------------------------------------------------------------------------


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int, scope: str) -> HttpResponse:
    user = current_user(request)
    subj = selectors.subject(user, scope, pk)
    kind = request.POST.get("kind", "")
    form = ItemForm(request.POST, auto_id=f"id_{kind}_%s")
    if form.is_valid():
        try:
            item = services.add_item(
                subj.target, by=user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, subj, _("Added %(label)s.") % {"label": item.label}, focus_kind=item.kind)
    forms = {kind: form} if kind in ItemKind.values else {}
    return _show(request, subj, status=400, item_forms=forms, focus_kind=kind)


@login_required
@require_POST
def edit_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    item = selectors.get_visible_item(user, pk)
    subj = selectors.subject_of(item.swot)
    form = ItemEditForm(request.POST, auto_id=f"id_item{item.pk}_%s")
    status = 400
    if form.is_valid():
        try:
            services.update_item(
                item, by=user, version=form.cleaned_data["version"], text=form.cleaned_data["text"]
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, subj, _("Saved %(label)s.") % {"label": item.label}, focus_item=item.pk)
    return _show(request, subj, status=status, editing=item.pk, item_edit_form=form)


@login_required
@require_POST
def move_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    item = selectors.get_visible_item(user, pk)
    subj = selectors.subject_of(item.swot)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_item(
                item, by=user, version=form.cleaned_data["version"], position=form.cleaned_data["position"]
            )
        except ConflictError as error:
            return _show(request, subj, status=409, error=str(error))
        # Keyboard users keep their place: the button they pressed has the focus again, or its
        # twin once the item reaches an end of the list (a disabled button cannot hold the focus).
        direction = request.POST.get("direction", "")
        last = SwotItem.objects.filter(swot_id=item.swot_id, kind=item.kind).count()
        if (direction == "up" and item.order == 1) or (direction == "down" and item.order == last):
            direction = {"up": "down", "down": "up"}[direction] if last > 1 else ""
        return _done(
            request,
            subj,
            _("Moved to %(label)s.") % {"label": item.label},
            focus_item=item.pk,
            focus_move=direction,
        )
    return _stale(request, subj)


@login_required
@require_POST
def remove_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    item = selectors.get_visible_item(user, pk)
    subj = selectors.subject_of(item.swot)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        return _stale(request, subj)
    label = item.label
    try:
        services.remove_item(
            item, by=user, version=form.cleaned_data["version"], detach=form.cleaned_data["detach"]
        )
    except ConflictError as error:
        return _show(request, subj, status=409, error=str(error))
    except RuleViolation as error:
        # Used by strategies: ask before taking it out of them (or say what must change first).
        return _show(
            request,
            subj,
            status=409,
            confirming=item.pk,
            confirm_message=str(error),
            may_detach="detach" in error.errors,
        )
    return _done(request, subj, _("Removed %(label)s.") % {"label": label})


# Strategies --------------------------------------------------------------------------------------


def _items_of(subj: Subject) -> Any:
    return selectors.items_in_order(subj.swot())


@login_required
@require_POST
def add_strategy(request: HttpRequest, pk: int, scope: str) -> HttpResponse:
    user = current_user(request)
    subj = selectors.subject(user, scope, pk)
    form = StrategyForm(request.POST, items=_items_of(subj), auto_id="id_new_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            strategy = services.add_strategy(
                subj.target, by=user, kind=data["kind"], text=data["text"], items=data["items"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            label = selectors.strategy_labels(strategy.swot, {strategy.pk})[strategy.pk]
            return _done(
                request, subj, _("Added strategy %(label)s.") % {"label": label}, focus_strategy=strategy.pk
            )
    return _show(request, subj, status=400, strategy_form=form)


@login_required
@require_POST
def edit_strategy(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    strategy = selectors.get_visible_strategy(user, pk)
    subj = selectors.subject_of(strategy.swot)
    form = StrategyForm(request.POST, items=_items_of(subj), auto_id="id_edit_%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_strategy(
                strategy,
                by=user,
                version=data["version"],
                kind=data["kind"],
                text=data["text"],
                items=data["items"],
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(request, subj, _("Strategy saved."), focus_strategy=strategy.pk)
    return _show(request, subj, status=status, editing_strategy=strategy.pk, strategy_edit_form=form)


@login_required
@require_POST
def remove_strategy(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    strategy = selectors.get_visible_strategy(user, pk)
    subj = selectors.subject_of(strategy.swot)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        return _stale(request, subj)
    try:
        services.remove_strategy(strategy, by=user, version=form.cleaned_data["version"])
    except ConflictError as error:
        return _show(request, subj, status=409, error=str(error))
    return _done(request, subj, _("Strategy removed."))


@login_required
@require_POST
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    strategy = selectors.get_visible_strategy(user, pk)
    subj = selectors.subject_of(strategy.swot)
    form = ActionForm(request.POST, owners=selectors.owner_candidates(user, subj), auto_id="id_action_%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.plan_action(
                strategy,
                by=user,
                version=data["version"],
                owner=data["owner"],
                due=data["due"],
                kind=data["kind"],
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = _("Action planned for %(owner)s on %(date)s.") % {
                "owner": activity.owner,
                "date": data["due"].isoformat(),
            }
            return _done(request, subj, notice, focus_strategy=strategy.pk)
    return _show(request, subj, status=status, acting=strategy.pk, action_form=form)
