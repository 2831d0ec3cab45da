"""Bids over JSON: one opportunity's bid, read whole, written part by part through the same services
as the page. Every write on a started bid needs If-Match with the bid's version (its ETag)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kam.access.visibility import get_visible_opportunity
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    RuleViolationOut,
    ValidationErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.opportunities.models import CloseReason, Competitor, Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.bids import selectors, services
from kam.planning.bids.models import Bid, BidPolicy
from kam.planning.bids.schemas import (
    BidCheckpointIn,
    BidCheckpointUpdateIn,
    BidComplianceItemIn,
    BidComplianceItemUpdateIn,
    BidCostLineIn,
    BidCostLineUpdateIn,
    BidCriterionIn,
    BidCriterionUpdateIn,
    BidDecisionIn,
    BidDetailOut,
    BidEnvelopeOut,
    BidFiltersIn,
    BidListOut,
    BidOutcomeIn,
    BidQuestionIn,
    BidQuestionUpdateIn,
    BidRoleIn,
    BidStartIn,
    BidSummaryOut,
    BidUpdateIn,
    RoleIn,
)

router = Router(tags=["Bids"])

BASE = "/opportunities/{int:opportunity_id}/bid"
START_ERRORS: dict[int, Any] = {404: ErrorOut, 409: RuleViolationOut, 422: ValidationErrorOut}


def _person(field: str, pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field: [_("Unknown user.")]})
    return found


def _people(field: str, ids: list[int]) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    if any(i not in found for i in ids):
        raise ValidationError({field: [_("Unknown user.")]})
    return [found[i] for i in dict.fromkeys(ids)]


def _opportunity(request: HttpRequest, opportunity_id: int) -> tuple[User, Opportunity]:
    by = current_user(request)
    return by, get_visible_opportunity(by, opportunity_id)  # 404 outside the caller's view


def _bid(opportunity: Opportunity) -> Bid:
    bid = Bid.objects.select_related("opportunity", "opportunity__stage", "opportunity__owner").filter(
        opportunity=opportunity
    )
    found = bid.first()
    if found is None:
        raise Http404(_("This opportunity has no bid yet."))
    return found


def _for_write(request: HttpRequest, opportunity_id: int) -> tuple[User, Bid, int]:
    by, opportunity = _opportunity(request, opportunity_id)
    bid = _bid(opportunity)
    return by, bid, expected_version(request, bid.version)


def _envelope(opportunity: Opportunity, response: HttpResponse) -> dict[str, Any]:
    bid = selectors.bid_for(opportunity)
    body = None
    if bid is not None:
        set_etag(response, bid.version)
        body = BidDetailOut.from_view(selectors.view(bid), selectors.history(bid))
    initiation = selectors.initiation_for(opportunity)
    return BidEnvelopeOut.build(opportunity, initiation, BidPolicy.current().minimum_margin, body)


@router.get("/bids", response={200: BidListOut, **LIST_ERRORS}, summary="Bids on the deals you can see")
def list_bids(request: HttpRequest, filters: Query[BidFiltersIn]) -> dict[str, Any]:
    """Nearest tender deadline first, each with its margin against the minimum and the compliance
    checklist's progress; filtered by decision and outcome."""
    qs = selectors.bids_for(current_user(request), decision=filters.decision, outcome=filters.outcome)
    minimum = BidPolicy.current().minimum_margin
    page = list(qs[filters.offset : filters.offset + filters.limit])
    return {
        "items": [BidSummaryOut.from_bid(b, minimum) for b in page],
        "count": qs.count(),
        "minimum_margin": minimum,
    }


@router.get(BASE, response={200: BidEnvelopeOut, **READ_ERRORS}, summary="An opportunity's bid")
def get_bid(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """The bid with its costs and margin against the company's minimum, its plan, compliance
    checklist, Q&A, the price's approval and history; `bid` is null until it is started. The ETag
    header carries the bid's version for If-Match."""
    _by, opportunity = _opportunity(request, opportunity_id)
    return _envelope(opportunity, response)


@router.post(BASE, response={201: BidEnvelopeOut, **START_ERRORS}, summary="Start an opportunity's bid")
def start_bid(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: BidStartIn
) -> Status:
    """Opens the bid with the assessment questions and the tender's compliance items of the
    templates. 409 when the opportunity already has one."""
    by, opportunity = _opportunity(request, opportunity_id)
    services.start_bid(opportunity, by=by, **payload.model_dump())
    return Status(201, _envelope(opportunity, response))


@router.patch(BASE, response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS}, summary="Edit a bid")
def update_bid(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: BidUpdateIn
) -> dict[str, Any]:
    """The tender, the assessment, the price (a new price needs a new approval), the proposal owner,
    the partners (names) and the presenters (user ids). Only the fields sent change."""
    by, bid, version = _for_write(request, opportunity_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("tender_reference", "assessment", "partners", "presenters"))
    if "proposal_owner" in changes:
        changes["proposal_owner"] = _person("proposal_owner", changes["proposal_owner"])
    if "presenters" in changes:
        changes["presenters"] = _people("presenters", changes["presenters"])
    if "partners" in changes:
        changes["partners"] = "\n".join(name.strip() for name in changes["partners"])
    services.update_bid(bid, by=by, version=version, **changes)
    return _envelope(bid.opportunity, response)


@router.put(
    f"{BASE}/roles/{{role}}",
    response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
    summary="Set a role of a bid",
)
def set_role(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, role: RoleIn, payload: BidRoleIn
) -> dict[str, Any]:
    """customer_relations, technical_solution, implementation or project_manager: a person of ours
    or a partner's person; neither clears it."""
    by, bid, version = _for_write(request, opportunity_id)
    services.set_role(
        bid,
        role,
        by=by,
        version=version,
        user=_person("user", payload.user),
        partner_name=payload.partner_name,
    )
    return _envelope(bid.opportunity, response)


@router.post(
    f"{BASE}/decision",
    response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
    summary="Decide bid or no bid",
)
def decide(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: BidDecisionIn
) -> dict[str, Any]:
    """`bid`: below the minimum margin only at an approved price (409 otherwise). `no_bid` needs
    the fatal factors and closes the opportunity as dropped (reason: decided not to bid)."""
    by, bid, version = _for_write(request, opportunity_id)
    if payload.decision == "bid":
        services.decide_bid(bid, by=by, version=version)
    else:
        services.decide_no_bid(bid, by=by, version=version, fatal_factors=payload.fatal_factors)
    return _envelope(bid.opportunity, response)


@router.post(
    f"{BASE}/price-approval",
    response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
    summary="Send the bid price for approval",
)
def submit_price(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """Opens a request on the bid-price approval flow; once approved the price is the approved price."""
    by, bid, version = _for_write(request, opportunity_id)
    services.submit_price(bid, by=by, version=version)
    return _envelope(bid.opportunity, response)


def _close_reason(value: str | None) -> CloseReason | None:
    if value is None:
        return None
    number = parse_id(value)
    reasons = CloseReason.objects.filter(outcome=OpportunityStatus.LOST)
    found = (
        reasons.filter(pk=number).first()
        if number is not None
        else reasons.filter(code=value.strip()).first()
    )
    if found is None:
        raise ValidationError({"reason_choice": [_("Unknown reason for a loss.")]})
    return found


def _competitor(value: str | None) -> Competitor | None:
    if value is None:
        return None
    found = Competitor.objects.filter(name=value.strip()).first()
    number = parse_id(value)
    if found is None and number is not None:
        found = Competitor.objects.filter(pk=number).first()
    if found is None:
        raise ValidationError({"lost_to": [_("Unknown competitor.")]})
    return found


@router.post(
    f"{BASE}/outcome",
    response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
    summary="Record a bid's outcome",
)
def record_outcome(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: BidOutcomeIn
) -> dict[str, Any]:
    """`won` moves the opportunity to its next stage (negotiation); `lost` closes it as lost with the
    reason from the list and the competitor where the reason names one."""
    by, bid, version = _for_write(request, opportunity_id)
    services.record_outcome(
        bid,
        by=by,
        version=version,
        outcome=payload.outcome,
        reason=payload.reason,
        reason_choice=_close_reason(payload.reason_choice),
        lost_to=_competitor(payload.lost_to),
    )
    return _envelope(bid.opportunity, response)


# The bid's lines: one add / edit / remove per kind -----------------------------------------------

NOT_NULLABLE = (
    "kind",
    "description",
    "amount",
    "due",
    "what",
    "done",
    "section",
    "text",
    "status",
    "answer",
    "note",
    "question",
)


def _values(key: str, data: dict[str, Any]) -> dict[str, Any]:
    refuse_nulls(data, NOT_NULLABLE)
    for name in services.ITEM_KINDS[key].people:
        if name in data:
            data[name] = _person(name, data[name])
    return data


def _item(bid: Bid, key: str, item_id: int) -> Any:
    found = services.ITEM_KINDS[key].model._default_manager.filter(bid=bid, pk=item_id).first()
    if found is None:
        raise Http404(_("No such line on this bid."))
    return found


def _mount(key: str, name: str, create: type[Schema], update: type[Schema]) -> None:
    path = f"{BASE}/{key}"

    def add(request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: Any) -> Status:
        by, bid, version = _for_write(request, opportunity_id)
        services.add_item(bid, key, by=by, version=version, **_values(key, payload.model_dump()))
        return Status(201, _envelope(bid.opportunity, response))

    def edit(
        request: HttpRequest, response: HttpResponse, opportunity_id: int, item_id: int, payload: Any
    ) -> dict[str, Any]:
        by, bid, version = _for_write(request, opportunity_id)
        item = _item(bid, key, item_id)
        services.update_item(
            bid, key, item, by=by, version=version, **_values(key, payload.model_dump(exclude_unset=True))
        )
        return _envelope(bid.opportunity, response)

    def remove(
        request: HttpRequest, response: HttpResponse, opportunity_id: int, item_id: int
    ) -> dict[str, Any]:
        by, bid, version = _for_write(request, opportunity_id)
        services.delete_item(bid, key, _item(bid, key, item_id), by=by, version=version)
        return _envelope(bid.opportunity, response)

    add.__annotations__["payload"] = create
    edit.__annotations__["payload"] = update
    snake = key.replace("-", "_")
    router.post(
        path,
        response={201: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
        operation_id=f"bid_{snake}_add",
        summary=f"Add a {name}",
    )(add)
    router.patch(
        f"{path}/{{int:item_id}}",
        response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
        operation_id=f"bid_{snake}_edit",
        summary=f"Edit a {name}",
    )(edit)
    router.delete(
        f"{path}/{{int:item_id}}",
        response={200: BidEnvelopeOut, **VERSIONED_WRITE_ERRORS},
        operation_id=f"bid_{snake}_remove",
        summary=f"Remove a {name}",
    )(remove)


_mount("cost-lines", "cost line", BidCostLineIn, BidCostLineUpdateIn)
_mount("checkpoints", "checkpoint", BidCheckpointIn, BidCheckpointUpdateIn)
_mount("compliance-items", "compliance item", BidComplianceItemIn, BidComplianceItemUpdateIn)
_mount("criteria", "assessment question", BidCriterionIn, BidCriterionUpdateIn)
_mount("questions", "Q&A item", BidQuestionIn, BidQuestionUpdateIn)
