"""JSON errors with field messages: every failure the API knows gets a clear body, never a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kam.core.api.parser import UnsupportedMediaType
from kam.core.errors import ConflictError, PreconditionRequired, RuleViolation, TooManyAttempts


def django_errors_to_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _limit(ctx: dict[str, Any], *names: str) -> str:
    for name in names:
        if name in ctx:
            return str(ctx[name])
    return "?"


def _count(ctx: dict[str, Any], name: str) -> int:
    try:
        return int(ctx.get(name, 0))
    except (TypeError, ValueError):
        return 0


def schema_error_message(err: dict[str, Any]) -> str:
    """A schema error in the reader's language. Pydantic writes its messages in English only, so
    the common kinds are said again here; a validator's own message (already translated) is kept
    without pydantic's "Value error, " prefix, and a rare kind falls back to pydantic's text."""
    kind = str(err.get("type", ""))
    ctx: dict[str, Any] = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        count = _count(ctx, "max_length")
        return ngettext("At most %(count)s character.", "At most %(count)s characters.", count) % {
            "count": count
        }
    if kind == "too_long":
        count = _count(ctx, "max_length")
        return ngettext("At most %(count)s item.", "At most %(count)s items.", count) % {"count": count}
    if kind == "string_too_short":
        count = _count(ctx, "min_length")
        if count == 1:
            return _("This field cannot be empty.")
        return ngettext("At least %(count)s character.", "At least %(count)s characters.", count) % {
            "count": count
        }
    if kind == "too_short":
        count = _count(ctx, "min_length")
        return ngettext("At least %(count)s item.", "At least %(count)s items.", count) % {"count": count}
    if kind == "string_pattern_mismatch":
        return _("This value does not have the required form (%(pattern)s).") % {
            "pattern": _limit(ctx, "pattern")
        }
    if kind in ("greater_than_equal", "greater_than"):
        bound = _limit(ctx, "ge", "gt")
        if kind == "greater_than":
            return _("Enter a value above %(limit)s.") % {"limit": bound}
        return _("Enter a value of at least %(limit)s.") % {"limit": bound}
    if kind in ("less_than_equal", "less_than"):
        bound = _limit(ctx, "le", "lt")
        if kind == "less_than":
            return _("Enter a value below %(limit)s.") % {"limit": bound}
        return _("Enter a value of at most %(limit)s.") % {"limit": bound}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return _("Enter a number.")
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return _("The number has too many digits.")
    if kind == "decimal_max_places":
        return _("At most %(count)s decimal places.") % {"count": _limit(ctx, "decimal_places")}
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return _("Enter a date and time in ISO 8601 form.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": _limit(ctx, "expected")}
    if kind in ("string_type", "string_unicode"):
        return _("Enter text.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Enter a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "extra_forbidden":
        return _("This field is not known.")
    if kind == "json_invalid":
        return _("The body is not valid JSON.")
    return str(err.get("msg", _("Invalid value.")))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DjangoValidationError)
    def on_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = django_errors_to_fields(exc)
        return api.create_response(request, {"detail": "validation_error", "errors": fields}, status=422)

    @api.exception_handler(NinjaValidationError)
    def on_schema_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
            fields.setdefault(".".join(loc) or "__all__", []).append(schema_error_message(err))
        return api.create_response(request, {"detail": "validation_error", "errors": fields}, status=422)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Django Ninja's own refusals (no credentials, a body that is not JSON) in the house's shape
        # and the caller's language; its English text stays out of the answer.
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            message = _("Sign in, or send Authorization: Bearer <token> with a valid API token.")
            return api.create_response(request, {"detail": "unauthorized", "message": message}, status=401)
        if isinstance(exc.__cause__, UnsupportedMediaType):
            # Django Ninja wraps whatever its body parser raises into a 400.
            message = _("Send the body as JSON, with Content-Type: application/json.")
            return api.create_response(
                request,
                {"detail": "unsupported_media_type", "message": message, "errors": {"__all__": [message]}},
                status=415,
            )
        if exc.status_code == 400:
            message = _("The body is not valid JSON.")
            return api.create_response(
                request,
                {"detail": "bad_request", "message": message, "errors": {"__all__": [message]}},
                status=400,
            )
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        message = _("The request body is too large.")
        return api.create_response(
            request, {"detail": "too_large", "message": message, "errors": {"__all__": [message]}}, status=413
        )

    @api.exception_handler(ConflictError)
    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": "conflict", "message": str(exc), "current_version": exc.current_version},
            status=412,
        )

    @api.exception_handler(PreconditionRequired)
    def on_precondition_required(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return api.create_response(
            request, {"detail": "precondition_required", "message": str(exc)}, status=428
        )

    @api.exception_handler(RuleViolation)
    def on_rule(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
        return api.create_response(
            request, {"detail": "rule_violation", "message": str(exc), "errors": exc.errors}, status=409
        )

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": "forbidden", "message": str(exc)}, status=403)

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "not_found"}, status=404)

    @api.exception_handler(TooManyAttempts)
    def on_too_many_attempts(request: HttpRequest, exc: TooManyAttempts) -> HttpResponse:
        response = api.create_response(
            request, {"detail": "too_many_attempts", "message": str(exc)}, status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
