"""Tags over JSON: the tags, their members (those the caller may see), and putting static tags on
customers. Same services as the pages (kam.customers.tags.services); mounted at /api/v1/ by kam.api."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_customer, get_visible_tag
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ConflictOut,
    ErrorOut,
    RuleViolationOut,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.customers.models import Customer, Tag, TagKind
from kam.customers.schemas import CustomerListOut, CustomerRowOut, tag_ref
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags
from kam.customers.tags.schemas import CustomerTagsOut, PageIn, TagCreateIn, TagListOut, TagOut, TagUpdateIn
from kam.org.models import User

router = Router(tags=["tags"])


def _tag_out(
    user: User, tag: Tag, members: int | None = None, summary: list[str] | None = None
) -> dict[str, Any]:
    is_dynamic = tag.kind == TagKind.DYNAMIC
    if members is None:
        members = tags_selectors.members(user, tag).count()
    if summary is None:
        summary = (
            tags_selectors.describe_rule(tag.rule, tags_selectors.rule_names(user, [tag.rule]))
            if is_dynamic
            else []
        )
    return {
        "id": tag.pk,
        "name": tag.name,
        "name_en": tag.name_en,
        "kind": tag.kind,
        "color": tag.color,
        "description": tag.description,
        "rule": tag.rule if is_dynamic else {},
        "rule_summary": summary,
        "members": members,
        "created_by": user_ref(tag.created_by),
        "created_at": tag.created_at,
        "version": tag.version,
    }


def _body(user: User, tag: Tag, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, tag.version)
    return _tag_out(user, tag)


@router.get("/tags", response=TagListOut, summary="Every tag, with how many of its customers you can see")
def list_tags(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    items = []
    for row in tags_selectors.tag_rows(user):
        item = _tag_out(user, row.tag, row.members, summary=row.summary)
        items.append(item)
    return {"items": items, "count": len(items)}


@router.post("/tags", response={201: TagOut, 403: ErrorOut, **WRITE_ERRORS}, summary="Create a tag")
def create_tag(request: HttpRequest, response: HttpResponse, payload: TagCreateIn) -> Status:
    """Anyone creates a static tag; a dynamic tag (with `rule`) needs a manager or above."""
    by = current_user(request)
    tag = tags.create_tag(
        by=by,
        name=payload.name,
        name_en=payload.name_en,
        kind=payload.kind,
        color=payload.color,
        description=payload.description,
        rule=payload.rule,
    )
    return Status(201, _body(by, get_visible_tag(by, tag.pk), response))


@router.get("/tags/{int:tag_id}", response={200: TagOut, **READ_ERRORS})
def get_tag(request: HttpRequest, response: HttpResponse, tag_id: int) -> dict[str, Any]:
    """One tag; the ETag header carries its version for the next write's If-Match."""
    return _body(current_user(request), get_visible_tag(current_user(request), tag_id), response)


@router.patch("/tags/{int:tag_id}", response={200: TagOut, 403: ErrorOut, **VERSIONED_WRITE_ERRORS})
def update_tag(
    request: HttpRequest, response: HttpResponse, tag_id: int, payload: TagUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    tag = get_visible_tag(by, tag_id)
    version = expected_version(request, tag.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "color", "description", "rule"))
    tags.update_tag(tag, by=by, version=version, **changes)
    return _body(by, get_visible_tag(by, tag_id), response)


@router.delete(
    "/tags/{int:tag_id}",
    # If-Match is optional here, as for every delete in the API, so no 428.
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: RuleViolationOut, 412: ConflictOut},
)
def delete_tag(request: HttpRequest, tag_id: int) -> Status:
    """Delete a tag and take it off every customer (each one's history records it). If-Match is
    checked when sent; a tag used in another dynamic tag's filter is refused (409)."""
    by = current_user(request)
    tag = get_visible_tag(by, tag_id)
    version = expected_version(request, tag.version) if "If-Match" in request.headers else None
    tags.delete_tag(tag, by=by, version=version)
    return Status(204, None)


@router.get("/tags/{int:tag_id}/customers", response={200: CustomerListOut, **LIST_ERRORS})
def tag_customers(request: HttpRequest, tag_id: int, page: Query[PageIn]) -> dict[str, Any]:
    """The tag's members you can see, by name; a dynamic tag's are computed now."""
    user = current_user(request)
    qs = (
        tags_selectors.members(user, get_visible_tag(user, tag_id))
        .select_related("parent", "owner")
        .order_by("name", "id")
    )
    count = qs.count()
    annotated, dynamic = tags_selectors.with_tags(qs)
    rows = annotated[page.offset : page.offset + page.limit] if count else []
    items = [CustomerRowOut.from_row(c, tags_selectors.chips(c, dynamic)) for c in rows]
    return {"items": items, "count": count}


def _customer_tags(customer: Customer) -> dict[str, Any]:
    found = tags_selectors.customer_tags(customer)

    def refs(items: list[Tag]) -> list[dict[str, Any]]:
        return [tag_ref(t) for t in items]

    return {"static": refs(found.attached), "dynamic": refs(found.matched)}


@router.get("/customers/{int:customer_id}/tags", response={200: CustomerTagsOut, **READ_ERRORS})
def customer_tags(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """A customer's static tags and the dynamic tags it matches now."""
    return _customer_tags(get_visible_customer(current_user(request), customer_id))


@router.put(
    "/customers/{int:customer_id}/tags/{int:tag_id}",
    response={200: CustomerTagsOut, 409: RuleViolationOut, **WRITE_ERRORS},
)
def attach_tag(request: HttpRequest, customer_id: int, tag_id: int) -> dict[str, Any]:
    """Put a static tag on a customer you can see (no change if it is there). A dynamic tag is 409."""
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    tags.attach_tag(customer, get_visible_tag(by, tag_id), by=by)
    return _customer_tags(customer)


@router.delete(
    "/customers/{int:customer_id}/tags/{int:tag_id}",
    response={204: None, 409: RuleViolationOut, **WRITE_ERRORS},
)
def detach_tag(request: HttpRequest, customer_id: int, tag_id: int) -> Status:
    """Take a static tag off a customer you can see (no change if it was not there)."""
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    tags.detach_tag(customer, get_visible_tag(by, tag_id), by=by)
    return Status(204, None)
