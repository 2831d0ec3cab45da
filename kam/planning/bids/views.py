"""The bid page of one opportunity: read whole, each form posted to one action that calls a service
and answers with the refreshed workspace (htmx) or a redirect back to the page (without JS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import labelled_errors
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.bids import selectors, services
from kam.planning.bids.forms import (
    ITEM_FORMS,
    BidEditForm,
    NoBidForm,
    OutcomeForm,
    RoleForm,
    StartForm,
    people,
)
from kam.planning.bids.models import Bid, BidPolicy, CostKind, CriterionAnswer, ItemStatus

# Where an action's error shows: the section of the page its form sits in.
SECTIONS = {
    "start": "start",
    "edit": "assessment",
    "criteria": "assessment",
    "cost-lines": "costs",
    "price": "costs",
    "submit-price": "costs",
    "decide-bid": "costs",
    "no-bid": "costs",
    "plan": "plan",
    "role": "plan",
    "checkpoints": "plan",
    "compliance-items": "compliance",
    "questions": "questions",
    "outcome": "outcome",
}


def _opportunity(request: HttpRequest, pk: int) -> tuple[User, Opportunity]:
    user = current_user(request)
    queryset = Opportunity.objects.select_related("stage", "owner", "customer", "close_reason_choice")
    return user, get_visible_opportunity(user, pk, queryset=queryset)


def _initiation_url(opportunity: Opportunity) -> str | None:
    """The initiation report's page, where the initiation tool is installed."""
    try:
        return reverse("planning_initiation:opportunity", kwargs={"pk": opportunity.pk})
    except NoReverseMatch:
        return None


def _context(user: User, opportunity: Opportunity) -> dict[str, Any]:
    bid = selectors.bid_for(opportunity)
    initiation = selectors.initiation_for(opportunity)
    context: dict[str, Any] = {
        "opportunity": opportunity,
        "bid": bid,
        "minimum_margin": BidPolicy.current().minimum_margin,
        "initiation_url": _initiation_url(opportunity),
        "initiation": initiation,
        # What the initiation estimated, from its report where there is one, else from the deal.
        "estimate_margin": initiation.gross_margin
        if initiation and initiation.gross_margin is not None
        else opportunity.gross_margin,
        "estimate_budget": initiation.expense_budget
        if initiation and initiation.expense_budget is not None
        else opportunity.expense_budget,
        "start_form": StartForm(),
    }
    if bid is None:
        context["can_start"] = opportunity.status == OpportunityStatus.OPEN
        return context
    view = selectors.view(bid)
    editable = True
    try:
        services.check_editable(bid)
    except RuleViolation:
        editable = False
    everyone = list(people())
    context.update(
        view=view,
        history=selectors.history(bid),
        editable=editable,
        people=everyone,
        cost_kinds=CostKind.choices,
        answers=CriterionAnswer.choices,
        statuses=ItemStatus.choices,
        outcome_form=OutcomeForm(initial={"version": bid.version}) if editable else None,
        can_decide=editable and not bid.decision,
        can_submit_price=editable
        and bid.price is not None
        and not view.price_approved
        and not (view.approval is not None and view.approval.is_pending),
        can_record_outcome=editable and bid.decision == "bid" and not bid.outcome,
        next_stage=services.next_stage(opportunity) if editable else None,
    )
    return context


@login_required
@require_GET
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    user, deal = _opportunity(request, pk)
    return render(request, "planning/bids/page.html", _context(user, deal))


# Actions -----------------------------------------------------------------------------------------


def _parse(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(labelled_errors(form))  # type: ignore[arg-type]
    return form.cleaned_data


def _bid(opportunity: Opportunity) -> Bid:
    bid = (
        Bid.objects.select_related("opportunity", "opportunity__stage")
        .filter(opportunity=opportunity)
        .first()
    )
    if bid is None:
        raise Http404(_("This opportunity has no bid yet."))
    return bid


def _start(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    services.start_bid(opportunity, by=by, **_parse(StartForm(request.POST)))


def _edit(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    bid = _bid(opportunity)
    form = BidEditForm(request.POST)
    data = _parse(form)
    # Each form on the page sends only its own fields; the others stay as they are.
    changes = {name: data[name] for name in services.BID_FIELDS if name in request.POST}
    if "presenters" in request.POST or request.POST.get("plan"):
        changes["presenters"] = list(data["presenters"])
    services.update_bid(bid, by=by, version=data["version"], **changes)


def _role(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    data = _parse(RoleForm(request.POST))
    services.set_role(
        _bid(opportunity),
        data["role"],
        by=by,
        version=data["version"],
        user=data["user"],
        partner_name=data["partner_name"],
    )


def _decide_bid(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    services.decide_bid(_bid(opportunity), by=by, version=_version(request))


def _no_bid(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    data = _parse(NoBidForm(request.POST))
    services.decide_no_bid(
        _bid(opportunity), by=by, version=data["version"], fatal_factors=data["fatal_factors"]
    )


def _submit_price(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    services.submit_price(_bid(opportunity), by=by, version=_version(request))


def _outcome(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
    data = _parse(OutcomeForm(request.POST))
    services.record_outcome(
        _bid(opportunity),
        by=by,
        version=data["version"],
        outcome=data["outcome"],
        reason=data["reason"],
        reason_choice=data["reason_choice"] if data["outcome"] == "lost" else None,
        lost_to=data["lost_to"] if data["outcome"] == "lost" else None,
    )


def _version(request: HttpRequest) -> int:
    value = request.POST.get("version", "")
    if not value.isdecimal():
        raise ValidationError(_("This page was out of date or incomplete: reload it and try again."))
    return int(value)


def _item_action(key: str, verb: str) -> Callable[[HttpRequest, User, Opportunity], None]:
    def act(request: HttpRequest, by: User, opportunity: Opportunity) -> None:
        bid = _bid(opportunity)
        model = services.ITEM_KINDS[key].model
        if verb == "add":
            form = ITEM_FORMS[key](request.POST)
            data = _parse(form)
            services.add_item(bid, key, by=by, version=data.pop("version"), **form.values())  # type: ignore[attr-defined]
            return
        item = model._default_manager.filter(bid=bid, pk=parse_id(request.POST.get("item", "")) or 0).first()
        if item is None:
            raise ValidationError(_("That line is no longer on the bid: reload the page."))
        if verb == "delete":
            services.delete_item(bid, key, item, by=by, version=_version(request))
            return
        # A fresh copy for the form: the service compares the stored values with the new ones.
        form = ITEM_FORMS[key](request.POST, instance=model._default_manager.get(pk=item.pk))
        data = _parse(form)
        services.update_item(bid, key, item, by=by, version=data.pop("version"), **form.values())  # type: ignore[attr-defined]

    return act


ACTIONS: dict[str, Callable[[HttpRequest, User, Opportunity], None]] = {
    "start": _start,
    "edit": _edit,
    "role": _role,
    "decide-bid": _decide_bid,
    "no-bid": _no_bid,
    "submit-price": _submit_price,
    "outcome": _outcome,
}
for _key in services.ITEM_KINDS:
    for _verb in ("add", "edit", "delete"):
        ACTIONS[f"{_key}-{_verb}"] = _item_action(_key, _verb)


def _section(action: str, request: HttpRequest) -> str:
    if action == "edit":
        return "plan" if request.POST.get("plan") else ("costs" if "price" in request.POST else "assessment")
    for prefix, section in SECTIONS.items():
        if action == prefix or action.startswith(prefix + "-"):
            return section
    return "assessment"


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [str(m) for messages in error.message_dict.values() for m in messages]
        return [str(m) for m in error.messages]
    return [str(error)]


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user, deal = _opportunity(request, pk)  # 404 before anything else for a deal out of view
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    errors: list[str] = []
    try:
        handler(request, user, deal)
    except (ValidationError, RuleViolation, ConflictError) as error:
        errors = _messages(error)
    htmx = bool(request.headers.get("HX-Request"))
    if not errors and not htmx:
        return redirect("planning_bids:opportunity", pk=deal.pk)
    deal.refresh_from_db()
    context = _context(user, deal)
    context.update(errors=errors, error_section=_section(action, request))
    template = "planning/bids/page.html#workspace" if htmx else "planning/bids/page.html"
    return render(request, template, context, status=200 if htmx or not errors else 400)
