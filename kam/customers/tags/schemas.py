"""API shapes for tags and the tags on a customer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Offset, Ref, TextSafeSchema
from kam.customers import selectors
from kam.customers.schemas import TagRef
from kam.customers.tags import services as tags

COLOR = r"^#[0-9a-fA-F]{6}$"
RULE_DOC = (
    "A dynamic tag's conditions, all of which a member matches: "
    + ", ".join(selectors.RULE_KEYS)
    + ' (the customer list\'s filters; open_pipeline_min is the customer\'s whole open pipeline in yuan). E.g. {"industry": "Manufacturing", "open_pipeline_min": "1000000"}.'
)


class TagOut(Schema):
    id: int
    name: str
    name_en: str = Field(..., description="The name shown to readers in English; empty: the name.")
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
    name_en: str = Field("", max_length=60, description="The name in English, if it differs.")
    kind: Literal["static", "dynamic"] = "static"
    color: str = Field(tags.DEFAULT_COLOR, pattern=COLOR)
    description: str = Field("", max_length=300)
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC + " Dynamic tags only.")


class TagUpdateIn(InputSchema):
    """Only the fields sent are changed; the kind of a tag never changes."""

    name: str | None = Field(None, min_length=1, max_length=60)
    name_en: str | None = Field(None, max_length=60)
    color: str | None = Field(None, pattern=COLOR)
    description: str | None = Field(None, max_length=300)
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC)


class PageIn(TextSafeSchema):
    limit: int = Field(50, ge=1, le=200, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Rows to skip.")


class CustomerTagsOut(Schema):
    static: list[TagRef] = Field(..., description="Static tags on the customer.")
    dynamic: list[TagRef] = Field(..., description="Dynamic tags whose filter the customer matches now.")
