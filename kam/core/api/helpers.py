"""What every API router shares: error bodies for the docs, references, ETag/If-Match, pagination."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, field_validator

from kam.core.api.renderer import dumps
from kam.core.errors import ConflictError, PreconditionRequired
from kam.core.ids import MAX_ID

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


# Ids and offsets a client sends: bounded so an absurd number is a 422, not a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=10**9)]
# A keyset cursor (kam.core.keyset) holds one sort value (a name at most a few hundred characters)
# and an id, in base64: anything longer was not handed out by a list.
CURSOR_MAX = 1000


def _int_to_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# "An id or a code" as one text field: a union type would report its errors per member
# (`to_stage.constrained-int`), not under the field's own name.
IdOrCode = Annotated[str, BeforeValidator(_int_to_text), Field(min_length=1, max_length=200)]


class TextSafeSchema(Schema):
    """Refuses NUL characters in any text: PostgreSQL cannot store them, so they would be a 500."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Text must not contain NUL characters."))
        return value


class InputSchema(TextSafeSchema):
    """A request body: unknown fields are refused, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str = Field(..., description="Machine-readable error kind, e.g. `not_found`.")


class ValidationErrorOut(Schema):
    detail: str = Field(..., description="Always `validation_error`.")
    errors: dict[str, list[str]] = Field(
        ..., description="Messages per field name (`__all__` for the whole input)."
    )


class ConflictOut(Schema):
    detail: str = Field(
        ..., description="Always `conflict`: the version named in If-Match is not the current one."
    )
    message: str
    current_version: int | None = Field(
        None, description="The record's current version; reload and retry with it."
    )


class PreconditionOut(Schema):
    detail: str = Field(
        ..., description="Always `precondition_required`: the write needs an If-Match header."
    )
    message: str


class RuleViolationOut(Schema):
    detail: str = Field(..., description="Always `rule_violation`: a business rule refused the write.")
    message: str = Field(..., description="Why, in words for the user.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per field, where one is to blame."
    )


# Error responses an endpoint documents; the handlers in kam.core.api.errors produce them.
READ_ERRORS: dict[int, Any] = {404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {404: ErrorOut, 422: ValidationErrorOut}
# A paged or filtered read: a bad limit, offset or filter is a 422.
LIST_ERRORS: dict[int, Any] = {404: ErrorOut, 422: ValidationErrorOut}
# A write that names what it saw in its body (not If-Match): stale is 412, there is no 428.
BODY_CHECKED_WRITE_ERRORS: dict[int, Any] = {404: ErrorOut, 412: ConflictOut, 422: ValidationErrorOut}
VERSIONED_WRITE_ERRORS: dict[int, Any] = {
    404: ErrorOut,
    409: RuleViolationOut,
    412: ConflictOut,
    422: ValidationErrorOut,
    428: PreconditionOut,
}


class Ref(Schema):
    id: int
    name: str


def ref(obj: Model | None) -> dict[str, Any] | None:
    """`{id, name}` for a user, customer or contact: the display name, never the whole record."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(obj)}


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name or user.username}


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


def _parse_version(text: str) -> int | None:
    text = text.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip().strip('"')
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    return int(text) if text.isdecimal() else None


def expected_version(request: HttpRequest, current: int, body_version: int | None = None) -> int:
    """The version the client read, from If-Match (or the body where allowed); stale or missing is refused.

    The services check the version again inside their UPDATE; checking here as well gives a
    clear 412 before any business rule runs, so a stale client learns that first.
    """
    header = request.headers.get("If-Match")
    if header is None and body_version is None:
        raise PreconditionRequired(_("Send If-Match with the version (ETag) you read."))
    version = _parse_version(header) if header is not None else body_version
    if version is None:
        raise ConflictError(
            _('If-Match must name one version, e.g. "3"; the current version is %(version)s.')
            % {"version": current},
            current_version=current,
        )
    if version != current:
        raise ConflictError(current_version=current)
    return version


def paginate(qs: QuerySet, limit: int, offset: int) -> list[Any]:
    """An offset page, for the small lists; the pipeline list pages by cursor (kam.core.keyset)."""
    return list(qs[offset : offset + limit])


def refuse_nulls(changes: dict[str, Any], not_nullable: Iterable[str]) -> None:
    """A PATCH may leave a field out, but not send null for one that cannot be empty."""
    nulls = [name for name in not_nullable if name in changes and changes[name] is None]
    if nulls:
        raise ValidationError({name: [_("This field cannot be empty.")] for name in nulls})


def prebuilt(request: HttpRequest, response: HttpResponse, body: Any) -> HttpResponse:
    """A body already built in its response schema's shape, rendered as the API renders every body
    but not validated again: for the busiest lists, where validating a page's hundreds of nested
    models costs more than reading them. `response` is the operation's `response: HttpResponse`
    parameter (its headers and status stand). Each use has a test validating its output against
    the schema."""
    response.content = dumps(body)
    return response
