"""JSON errors with field messages: every failure the API knows gets a clear body, never a 500."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from kam.core.errors import ConflictError, PreconditionRequired, RuleViolation


def django_errors_to_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


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
            fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "invalid")))
        return api.create_response(request, {"detail": "validation_error", "errors": fields}, status=422)

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
