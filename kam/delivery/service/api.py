"""Service requests over JSON: the list, a request with its SLA state and history, opening one,
edits, status moves and reassignment (If-Match: 428 without, 412 stale), what is at risk for me,
the SLA attainment report, the kinds and the SLA targets. The same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_customer, get_visible_service_request
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    expected_version,
    set_etag,
)
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.delivery.models import Contract, ServiceKind, ServiceRequest, SlaTarget
from kam.delivery.service import selectors, services
from kam.delivery.service.schemas import (
    AtRiskOut,
    AttainmentOut,
    AttainmentRowOut,
    FiltersIn,
    KindOut,
    MoveIn,
    ReassignIn,
    RequestCreateIn,
    RequestUpdateIn,
    ServiceChangeOut,
    ServiceRequestListOut,
    ServiceRequestOut,
    SlaTargetOut,
)
from kam.org.models import User
from kam.relationships.models import Contact

router = Router(tags=["Service requests"])

RELATED = ("customer", "owner", "kind", "contact", "contract", "escalated_to")
AT_RISK_LIMIT = 200


def _out(sr: ServiceRequest, now: dt.datetime | None = None) -> dict[str, Any]:
    return ServiceRequestOut.build(
        sr, selectors.sla_state(sr, now), [to for to, _label in services.allowed_moves(sr)]
    )


def _load(user: User, pk: int) -> ServiceRequest:
    get_visible_service_request(user, pk)
    return ServiceRequest.objects.select_related(*RELATED).get(pk=pk)


def _kind(value: str) -> ServiceKind:
    number = parse_id(value)
    qs = ServiceKind.objects.filter(is_active=True)
    found = qs.filter(pk=number).first() if number else qs.filter(code=value).first()
    if found is None:
        raise ValidationError({"kind": [_("Pick a kind of request.")]})
    return found


def _contact(customer: Customer, pk: int | None) -> Contact | None:
    if pk is None:
        return None
    found = Contact.objects.filter(pk=pk, customer=customer).first()
    if found is None:
        raise ValidationError({"contact": [_("Pick a contact of this customer.")]})
    return found


def _contract(customer: Customer, pk: int | None) -> Contract | None:
    if pk is None:
        return None
    found = Contract.objects.filter(pk=pk, customer=customer).first()
    if found is None:
        raise ValidationError({"contract": [_("Pick a contract of this customer.")]})
    return found


def _owner(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError(
            {"owner": [_("A service request needs an owner: pick the active person who will handle it.")]}
        )
    return found


@router.get("/service/requests", response={200: ServiceRequestListOut, **LIST_ERRORS})
def list_requests(request: HttpRequest, filters: Query[FiltersIn]) -> dict[str, Any]:
    """Requests you can see, filtered, sorted and paged; each with its SLA state."""
    user = current_user(request)
    parsed = selectors.Filters(
        status=filters.status or "",
        priority=filters.priority or "",
        owner=filters.owner,
        customer=filters.customer,
        sla=filters.sla or "",
        mine=filters.mine,
        q=filters.q.strip(),
        sort=filters.sort,
    )
    now = timezone.now()
    qs = selectors.requests(user, parsed, now).select_related("contact", "contract")
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": [_out(sr, now) for sr in page], "count": count}


@router.post("/service/requests", response={201: ServiceRequestOut, **WRITE_ERRORS})
def open_request(request: HttpRequest, response: HttpResponse, payload: RequestCreateIn) -> Status:
    """Open a request: the SLA due times follow the customer's tier and the priority."""
    user = current_user(request)
    customer = get_visible_customer(user, payload.customer)
    sr = services.open_request(
        by=user,
        customer=customer,
        kind=_kind(payload.kind),
        priority=payload.priority,
        subject=payload.subject,
        description=payload.description,
        contact=_contact(customer, payload.contact),
        contract=_contract(customer, payload.contract),
        owner=_owner(payload.owner),
    )
    sr = _load(user, sr.pk)
    set_etag(response, sr.version)
    return Status(201, _out(sr))


@router.get("/service/requests/{int:request_id}", response={200: ServiceRequestOut, **READ_ERRORS})
def get_request(request: HttpRequest, response: HttpResponse, request_id: int) -> dict[str, Any]:
    sr = _load(current_user(request), request_id)
    set_etag(response, sr.version)
    return _out(sr)


@router.get(
    "/service/requests/{int:request_id}/history", response={200: list[ServiceChangeOut], **READ_ERRORS}
)
def request_history(request: HttpRequest, request_id: int) -> list[dict[str, Any]]:
    sr = get_visible_service_request(current_user(request), request_id)
    return [ServiceChangeOut.build(c) for c in selectors.history(sr)]


@router.patch(
    "/service/requests/{int:request_id}", response={200: ServiceRequestOut, **VERSIONED_WRITE_ERRORS}
)
def update_request(
    request: HttpRequest, response: HttpResponse, request_id: int, payload: RequestUpdateIn
) -> dict[str, Any]:
    """Edit the details; a new priority recomputes the due times from the opening time. Needs If-Match."""
    user = current_user(request)
    sr = _load(user, request_id)
    version = expected_version(request, sr.version)
    sent = payload.model_dump(exclude_unset=True)
    for name in ("kind", "priority", "subject", "description"):
        if name in sent and sent[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    changes: dict[str, Any] = {}
    for name in ("priority", "subject", "description"):
        if name in sent:
            changes[name] = sent[name]
    if "kind" in sent:
        changes["kind"] = _kind(sent["kind"])
    if "contact" in sent:
        changes["contact"] = _contact(sr.customer, sent["contact"])
    if "contract" in sent:
        changes["contract"] = _contract(sr.customer, sent["contract"])
    services.update_request(sr, by=user, version=version, **changes)
    sr = _load(user, request_id)
    set_etag(response, sr.version)
    return _out(sr)


@router.post(
    "/service/requests/{int:request_id}/status", response={200: ServiceRequestOut, **VERSIONED_WRITE_ERRORS}
)
def move_request(
    request: HttpRequest, response: HttpResponse, request_id: int, payload: MoveIn
) -> dict[str, Any]:
    """One step of the status flow (`next_statuses` lists them); resolving needs `resolution`. Needs If-Match."""
    user = current_user(request)
    sr = _load(user, request_id)
    version = expected_version(request, sr.version)
    services.move(sr, by=user, version=version, to=payload.status, resolution=payload.resolution)
    sr = _load(user, request_id)
    set_etag(response, sr.version)
    return _out(sr)


@router.post(
    "/service/requests/{int:request_id}/owner", response={200: ServiceRequestOut, **VERSIONED_WRITE_ERRORS}
)
def reassign_request(
    request: HttpRequest, response: HttpResponse, request_id: int, payload: ReassignIn
) -> dict[str, Any]:
    """Hand the request to another active person. Needs If-Match."""
    user = current_user(request)
    sr = _load(user, request_id)
    version = expected_version(request, sr.version)
    services.reassign(sr, by=user, version=version, owner=_owner(payload.owner))
    sr = _load(user, request_id)
    set_etag(response, sr.version)
    return _out(sr)


@router.get("/service/at-risk", response={200: AtRiskOut})
def at_risk(request: HttpRequest) -> dict[str, Any]:
    """Open requests you must act on: yours once warned, and those escalated to you."""
    user = current_user(request)
    qs = selectors.at_risk_for_me(user).select_related(*RELATED).order_by("resolution_due_at", "id")
    now = timezone.now()
    items = [_out(sr, now) for sr in qs[:AT_RISK_LIMIT]]
    return {"count": selectors.at_risk_count(user), "items": items}


@router.get("/service/sla/attainment", response={200: AttainmentOut, **LIST_ERRORS})
def attainment(request: HttpRequest, month: str = Query("", max_length=7)) -> dict[str, Any]:
    """Requests resolved in the month (YYYY-MM, this month by default) per team of their owner."""
    if month:
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise ValidationError({"month": [_("Pick a month as YYYY-MM.")]}) from None
    else:
        first = timezone.localdate().replace(day=1)
    rows, total = selectors.attainment(current_user(request), first)
    return {
        "month": first.strftime("%Y-%m"),
        "teams": [AttainmentRowOut.build(r) for r in rows],
        "total": AttainmentRowOut.build(total),
    }


@router.get("/service/kinds", response={200: list[KindOut]})
def kinds(request: HttpRequest) -> list[ServiceKind]:
    return list(ServiceKind.objects.filter(is_active=True))


@router.get("/service/sla/targets", response={200: list[SlaTargetOut]})
def sla_targets(request: HttpRequest) -> list[SlaTarget]:
    return list(SlaTarget.objects.all())
