"""Customers over JSON: visibility-scoped reads, writes through kam.customers.services."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import customers_for, get_visible_customer
from kam.core.api.helpers import (
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ValidationErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.web import current_user
from kam.customers import export, selectors, services
from kam.customers.models import Customer, Industry, Region
from kam.customers.pool.duplicates import DuplicatesFound
from kam.customers.pool.schemas import DuplicateMatchOut
from kam.customers.schemas import (
    CustomerChoicesOut,
    CustomerCreateIn,
    CustomerDuplicatesOut,
    CustomerExportFilters,
    CustomerFilters,
    CustomerListOut,
    CustomerOut,
    CustomerRowOut,
    CustomerUpdateIn,
)
from kam.customers.tags import selectors as tags_selectors
from kam.org.models import User
from kam.org.visibility import visible_users

router = Router(tags=["customers"])

# Fields that cannot be emptied: null in a PATCH is refused rather than written.
NOT_NULLABLE = ("name", "owner", "short_name", "industry", "region", "status", "notes")


def _scoped(user: User) -> Any:
    return customers_for(user, Customer.objects.select_related("parent", "owner"))


def _load(user: User, pk: int) -> Customer:
    return get_visible_customer(user, pk)


def _related(by: User, data: dict[str, Any]) -> dict[str, Any]:
    """Turn the ids of owner and parent into records the caller may see, or field errors."""
    if data.get("owner") is not None:
        owner = visible_users(by).filter(pk=data["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": [_("Unknown user, or not one whose work you can see.")]})
        data["owner"] = owner
    if data.get("parent") is not None:
        parent = customers_for(by).filter(pk=data["parent"]).first()
        if parent is None:
            raise ValidationError({"parent": [_("Unknown customer.")]})
        data["parent"] = parent
    return data


def _body(customer: Customer, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, customer.version)
    return CustomerOut.from_customer(customer)


def _list_filters(user: User, filters: CustomerExportFilters) -> selectors.CustomerFilters:
    """The query's filters in the selector's form; a tag, team or group that does not exist (or a
    group the caller cannot see) is a 422, not an empty page that looks like an answer."""
    data = filters.model_dump(exclude={"sort", "limit", "offset"})
    parsed = selectors.CustomerFilters.parse({k: v for k, v in data.items() if v is not None})
    selectors.drop_unknown_references(user, parsed)
    if parsed.errors:
        raise ValidationError({name: [message] for name, message in parsed.errors.items()})
    return parsed


@router.get(
    "",
    response={200: CustomerListOut, 422: ValidationErrorOut},
    summary="Customers you can see, filtered, sorted and paginated",
)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, Any]:
    """The customer list's filters and sorts; `tag` takes a static or a dynamic tag."""
    user = current_user(request)
    qs, _sort = selectors.customer_rows(user, _list_filters(user, filters), filters.sort, pipeline=False)
    count = qs.count()
    if not count:
        return {"items": [], "count": 0}
    annotated, dynamic = tags_selectors.with_tags(qs)
    rows = annotated[filters.offset : filters.offset + filters.limit]
    return {
        "items": [CustomerRowOut.from_row(c, tags_selectors.chips(c, dynamic)) for c in rows],
        "count": count,
    }


@router.get(
    "/export.xlsx",
    response={200: None, 422: ValidationErrorOut},
    summary="The filtered customer list as an Excel workbook",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The workbook (the list's columns, in the caller's language).",
                "content": {export.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_customers(request: HttpRequest, filters: Query[CustomerExportFilters]) -> HttpResponse:
    """The same filters and sort as the list, every matching row (up to the export's cap)."""
    user = current_user(request)
    content, filename = export.customers_xlsx(user, _list_filters(user, filters), filters.sort)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "", response={201: CustomerOut, 409: CustomerDuplicatesOut, **WRITE_ERRORS}, summary="Add a customer"
)
def create_customer(request: HttpRequest, response: HttpResponse, payload: CustomerCreateIn) -> Status:
    """A customer whose name or its pinyin matches another's answers 409 with the matches until it is
    sent with `confirm_duplicates`; one whose credit code is taken answers 409 `blocking` always."""
    by = current_user(request)
    data = _related(by, payload.model_dump())
    name = data.pop("name")
    try:
        customer = services.create_customer(by=by, name=name, **data)
    except DuplicatesFound as error:
        return Status(
            409,
            {
                "detail": next(iter(error.message_dict.values()))[0],
                "blocking": error.blocking,
                "matches": [DuplicateMatchOut.from_match(m) for m in error.matches],
            },
        )
    return Status(201, _body(_load(by, customer.pk), response))


@router.get("/choices", response=CustomerChoicesOut, summary="The industries and regions offered")
def customer_choices(request: HttpRequest) -> dict[str, Any]:
    def rows(model: type[Industry] | type[Region]) -> list[dict[str, str]]:
        return [
            {"name": r.name, "name_en": r.name_en, "label": r.display_name}
            for r in model.objects.filter(is_active=True)
        ]

    return {"industries": rows(Industry), "regions": rows(Region)}


@router.get("/{int:customer_id}", response={200: CustomerOut, **READ_ERRORS})
def get_customer(request: HttpRequest, response: HttpResponse, customer_id: int) -> dict[str, Any]:
    """One customer; the ETag header carries its version for the next write's If-Match."""
    return _body(_load(current_user(request), customer_id), response)


@router.patch("/{int:customer_id}", response={200: CustomerOut, **VERSIONED_WRITE_ERRORS})
def update_customer(
    request: HttpRequest, response: HttpResponse, customer_id: int, payload: CustomerUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    customer = _load(by, customer_id)
    version = expected_version(request, customer.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    services.update_customer(customer, by=by, version=version, **_related(by, changes))
    return _body(_load(by, customer_id), response)
