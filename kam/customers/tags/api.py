"""Tags over JSON: the tags, their members (those the caller may see), and putting static tags on
customers. Same services as the pages (kam.customers.tags.services); mounted at /api/v1/ by kam.api."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from kam.access.visibility import get_visible_customer, get_visible_tag
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ConflictOut,
    ErrorOut,
    InputSchema,
    Offset,
    Ref,
    RuleViolationOut,
    TextSafeSchema,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.customers import selectors
from kam.customers.models import Customer, Tag, TagKind
from kam.customers.schemas import CustomerListOut, CustomerRowOut, TagRef, tag_ref
from kam.customers.tags import services as tags
from kam.org.models import User

router = Router(tags=["tags"])

COLOR = r"^#[0-9a-fA-F]{6}$"
RULE_DOC = (
    "A dynamic tag's conditions, all of which a member matches: "
    + ", ".join(selectors.RULE_KEYS)
    + ' (the customer list\'s filters; open_pipeline_min is the customer\'s whole open pipeline in yuan). E.g. {"industry": "Manufacturing", "open_pipeline_min": "1000000"}.'
)


class TagOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="static (set by hand) or dynamic (a saved filter).")
    color: str = Field(..., description="#rrggbb")
    description: str
    rule: dict[str, Any] = Field(..., description=RULE_DOC + " Empty for a static tag.")
    rule_summary: list[str] = Field(..., description="The rule in words, one phrase per condition.")
    members: int = Field(..., description="How many of its customers you can see.")
    created_by: Ref | None = None
    created_at: dt.datetime
    version: int = Field(..., description="Optimistic-lock version; send it back in If-Match to write.")


class TagListOut(Schema):
    items: list[TagOut]
    count: int


class TagCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=60)
    kind: Literal["static", "dynamic"] = "static"
    color: str = Field(tags.DEFAULT_COLOR, pattern=COLOR)
    description: str = Field("", max_length=300)
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC + " Dynamic tags only.")


class TagUpdateIn(InputSchema):
    """Only the fields sent are changed; the kind of a tag never changes."""

    name: str | None = Field(None, min_length=1, max_length=60)
    color: str | None = Field(None, pattern=COLOR)
    description: str | None = Field(None, max_length=300)
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC)


class PageIn(TextSafeSchema):
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class CustomerTagsOut(Schema):
    static: list[TagRef] = Field(..., description="Static tags on the customer.")
    dynamic: list[TagRef] = Field(..., description="Dynamic tags whose filter the customer matches now.")


def _tag_out(
    user: User, tag: Tag, members: int | None = None, summary: list[str] | None = None
) -> dict[str, Any]:
    is_dynamic = tag.kind == TagKind.DYNAMIC
    if members is None:
        members = tags.members(user, tag).count()
    if summary is None:
        summary = tags.describe_rule(tag.rule, tags.rule_names(user, [tag.rule])) if is_dynamic else []
    return {
        "id": tag.pk,
        "name": tag.name,
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
    for row in tags.tag_rows(user):
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
        tags.members(user, get_visible_tag(user, tag_id))
        .select_related("parent", "owner")
        .order_by("name", "id")
    )
    count = qs.count()
    annotated, dynamic = tags.with_tags(qs)
    rows = annotated[page.offset : page.offset + page.limit] if count else []
    items = [CustomerRowOut.from_row(c, tags.chips(c, dynamic)) for c in rows]
    return {"items": items, "count": count}


def _customer_tags(customer: Customer) -> dict[str, Any]:
    found = tags.customer_tags(customer)

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
