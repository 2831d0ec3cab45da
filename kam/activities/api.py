"""Activities over JSON: visibility-scoped reads, writes through the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import customers_for, get_visible_activity, opportunities_for
from kam.activities import selectors, services
from kam.activities.models import Activity, ActivityKind
from kam.activities.schemas import ActivityChangeOut as ChangeOut
from kam.activities.schemas import (
    ActivityCreateIn,
    ActivityDetailOut,
    ActivityFiltersIn,
    ActivityListOut,
    ActivityOut,
    ActivityUpdateIn,
)
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact

router = Router(tags=["activities"])

NOT_NULLABLE = (
    "kind",
    "customer",
    "start",
    "status",
    "duration_minutes",
    "contacts",
    "our_people",
    "summary",
    "outcome",
    "next_step",
)


def _kind(value: str) -> ActivityKind:
    qs = ActivityKind.objects.all()
    number = parse_id(value)
    found = qs.filter(pk=number).first() if number else qs.filter(code=value).first()
    if found is None:
        raise ValidationError({"kind": [_("Unknown kind of activity.")]})
    return found


def _customer(by: User, pk: int) -> Customer:
    found = customers_for(by).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"customer": [_("Unknown customer.")]})
    return found


def _opportunity(by: User, pk: int | None) -> Opportunity | None:
    if pk is None:
        return None
    found = opportunities_for(by).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"opportunity": [_("Unknown opportunity.")]})
    return found


def _contacts(ids: list[int]) -> list[Contact]:
    """By id; whether they are the customer's contacts is the service's rule."""
    found = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"contacts": [_("Unknown contact.")]})
    return [found[i] for i in ids]


def _people(ids: list[int]) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise ValidationError({"our_people": [_("Unknown user.")]})
    return [found[i] for i in ids]


def _aware(value: Any) -> Any:
    return timezone.make_aware(value) if value is not None and timezone.is_naive(value) else value


def _load(by: User, pk: int) -> Activity:
    get_visible_activity(by, pk)  # 404 outside the caller's view
    qs = selectors.with_people(Activity.objects.select_related("kind", "owner", "customer", "opportunity"))
    return qs.get(pk=pk)


def _body(activity: Activity, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, activity.version)
    body = ActivityOut.from_activity(activity)
    body["history"] = [ChangeOut.from_change(c) for c in selectors.history(activity)]
    return body


@router.get(
    "",
    response={200: ActivityListOut, **LIST_ERRORS},
    summary="Activities you can see, filtered and paginated",
)
def list_activities(request: HttpRequest, filters: Query[ActivityFiltersIn]) -> dict[str, Any]:
    qs = selectors.filtered(
        current_user(request),
        selectors.ActivityFilters(
            owner=filters.owner,
            customer=filters.customer,
            kind=filters.kind,
            status=filters.status or "",
            opportunity=filters.opportunity,
            contact=filters.contact,
            date_from=filters.date_from,
            date_to=filters.date_to,
            sort=filters.sort,
        ),
    )
    count = qs.count()
    page = list(selectors.with_people(qs)[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": [ActivityOut.from_activity(a) for a in page], "count": count}


@router.post("", response={201: ActivityDetailOut, **WRITE_ERRORS}, summary="Log an activity")
def create_activity(request: HttpRequest, response: HttpResponse, payload: ActivityCreateIn) -> Status:
    """You lead it. `level_changes` sets your relationship level with contacts of the activity,
    with the activity as the reason (kept in the contact's level history)."""
    by = current_user(request)
    data = payload.model_dump()
    activity = services.create_activity(
        by=by,
        kind=_kind(data["kind"]),
        customer=_customer(by, data["customer"]),
        start=_aware(data["start"]),
        status=data["status"],
        duration_minutes=data["duration_minutes"],
        opportunity=_opportunity(by, data["opportunity"]),
        contacts=_contacts(data["contacts"]),
        our_people=_people(data["our_people"]),
        summary=data["summary"],
        outcome=data["outcome"],
        next_step=data["next_step"],
        next_step_due=data["next_step_due"],
        level_changes=data["level_changes"],
    )
    return Status(201, _body(_load(by, activity.pk), response))


@router.get("/{int:activity_id}", response={200: ActivityDetailOut, **READ_ERRORS})
def get_activity(request: HttpRequest, response: HttpResponse, activity_id: int) -> dict[str, Any]:
    """One activity with its history; the ETag header carries its version for If-Match."""
    return _body(_load(current_user(request), activity_id), response)


@router.patch("/{int:activity_id}", response={200: ActivityDetailOut, **VERSIONED_WRITE_ERRORS})
def update_activity(
    request: HttpRequest, response: HttpResponse, activity_id: int, payload: ActivityUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    activity = _load(by, activity_id)
    version = expected_version(request, activity.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    if "kind" in changes:
        changes["kind"] = _kind(changes["kind"])
    if "customer" in changes:
        changes["customer"] = _customer(by, changes["customer"])
    if "opportunity" in changes:
        changes["opportunity"] = _opportunity(by, changes["opportunity"])
    if "contacts" in changes:
        changes["contacts"] = _contacts(changes["contacts"])
    if "our_people" in changes:
        changes["our_people"] = _people(changes["our_people"])
    if "start" in changes:
        changes["start"] = _aware(changes["start"])
    levels = changes.pop("level_changes", None)
    services.update_activity(activity, by=by, version=version, level_changes=levels, **changes)
    return _body(_load(by, activity_id), response)


@router.delete("/{int:activity_id}", response={204: None, 404: ErrorOut}, summary="Delete an activity")
def delete_activity(request: HttpRequest, activity_id: int) -> Status:
    """The history stays; the last touch of the customer, contacts and opportunity is recomputed."""
    by = current_user(request)
    services.delete_activity(get_visible_activity(by, activity_id), by=by)
    return Status(204, None)
