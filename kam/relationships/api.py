"""Contacts and relationship levels over JSON: visibility-scoped reads, writes through the services."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import contacts_for, customers_for, get_visible_contact
from kam.core import pinyin
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    RuleViolationOut,
    expected_version,
    ref,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.relationships import services
from kam.relationships.models import Contact, Relationship, RelationshipChange
from kam.relationships.schemas import (
    ContactCreateIn,
    ContactFilters,
    ContactListOut,
    ContactOut,
    ContactUpdateIn,
    RelationshipChangeOut,
    RelationshipIn,
    RelationshipOut,
    RelationshipsOut,
)

router = Router(tags=["contacts"])

# Text fields that cannot be emptied to null (blank is allowed).
NOT_NULLABLE = (
    "name",
    "title",
    "department",
    "rank",
    "influence",
    "mobile",
    "phone",
    "email",
    "wechat",
    "notes",
)


def _scoped(user: User) -> Any:
    return contacts_for(user, Contact.objects.select_related("customer", "reports_to"))


def _load(user: User, pk: int) -> Contact:
    return get_visible_contact(user, pk)


def _manager(by: User, contact_id: int) -> Contact:
    manager = contacts_for(by).filter(pk=contact_id).first()
    if manager is None:
        raise ValidationError({"reports_to": [_("Unknown contact.")]})
    return manager


def _body(contact: Contact, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, contact.version)
    return ContactOut.from_contact(contact)


@router.get("", response=ContactListOut, summary="Contacts you can see, filtered and paginated")
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, Any]:
    qs = _scoped(current_user(request))
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        qs = qs.filter(
            pinyin.matches("search_key", text)
            | Q(name__icontains=text)
            | Q(title__icontains=text)
            | Q(department__icontains=text)
        )
    count = qs.count()
    page = (
        list(qs.order_by("customer_id", "name", "id")[filters.offset : filters.offset + filters.limit])
        if count
        else []
    )
    return {"items": [ContactOut.from_contact(c) for c in page], "count": count}


@router.post("", response={201: ContactOut, **WRITE_ERRORS}, summary="Add a contact to a customer")
def create_contact(request: HttpRequest, response: HttpResponse, payload: ContactCreateIn) -> Status:
    by = current_user(request)
    data = payload.model_dump()
    customer = customers_for(by).filter(pk=data.pop("customer")).first()
    if customer is None:
        raise ValidationError({"customer": [_("Unknown customer.")]})
    if data["reports_to"] is not None:
        data["reports_to"] = _manager(by, data["reports_to"])
    name = data.pop("name")
    contact = services.create_contact(by=by, customer=customer, name=name, **data)
    return Status(201, _body(_load(by, contact.pk), response))


@router.get("/{int:contact_id}", response={200: ContactOut, **READ_ERRORS})
def get_contact(request: HttpRequest, response: HttpResponse, contact_id: int) -> dict[str, Any]:
    """One contact; the ETag header carries its version for the next write's If-Match."""
    return _body(_load(current_user(request), contact_id), response)


@router.patch("/{int:contact_id}", response={200: ContactOut, **VERSIONED_WRITE_ERRORS})
def update_contact(
    request: HttpRequest, response: HttpResponse, contact_id: int, payload: ContactUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    contact = _load(by, contact_id)
    version = expected_version(request, contact.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    if changes.get("reports_to") is not None:
        changes["reports_to"] = _manager(by, changes["reports_to"])
    services.update_contact(contact, by=by, version=version, **changes)
    return _body(_load(by, contact_id), response)


def _relationships(contact: Contact) -> dict[str, Any]:
    levels = list(
        Relationship.objects.filter(contact=contact).select_related("user").order_by("-level", "user_id")
    )
    history = RelationshipChange.objects.filter(contact=contact).select_related("user", "changed_by")
    return {
        "contact": ref(contact),
        "company_level": max((r.level for r in levels), default=None),
        "levels": [RelationshipOut.from_relationship(r) for r in levels],
        "history": [RelationshipChangeOut.from_change(c) for c in history],
    }


@router.get("/{int:contact_id}/relationships", response={200: RelationshipsOut, **READ_ERRORS})
def contact_relationships(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """How well each of our people knows the contact (CR1–CR5), and how that changed."""
    return _relationships(_load(current_user(request), contact_id))


@router.post("/{int:contact_id}/relationship", response={200: RelationshipsOut, **WRITE_ERRORS})
def set_relationship(request: HttpRequest, contact_id: int, payload: RelationshipIn) -> dict[str, Any]:
    """Set one of our people's relationship level with the contact (default: yours); the change is kept."""
    by = current_user(request)
    contact = _load(by, contact_id)
    user = by
    if payload.user is not None and payload.user != by.pk:
        found = visible_users(by).filter(pk=payload.user).first()
        if found is None:
            raise ValidationError({"user": [_("Unknown user, or not one whose work you can see.")]})
        user = found
    services.set_relationship_level(contact, user, payload.level, by=by, note=payload.note)
    return _relationships(contact)


@router.delete(
    "/{int:contact_id}",
    response={204: None, 404: ErrorOut, 409: RuleViolationOut},
    summary="Delete a contact",
)
def delete_contact(request: HttpRequest, contact_id: int) -> Status:
    """Delete a contact with their closed-opportunity roles, relationship rows and influence lines;
    direct reports move up. Refused (409, with the reason) while in an open opportunity's decision chain."""
    user = current_user(request)
    assert isinstance(user, User)
    services.delete_contact(_load(user, contact_id), by=user)
    return Status(204, None)
