"""Errors under /api/ answer JSON in the house's shape, also where no API code ran: an unknown path
(Django's 404), a method the path does not take (405), a body past the upload limit (413), a
failure nothing handled (500). Inside an operation, kam.core.api.errors already answers JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

# Headers of the original answer a client still needs (what methods a path takes, when to retry).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


def _body(status: int) -> dict[str, str]:
    if status == 404:
        return {"detail": "not_found", "message": _("There is no such address in the API.")}
    if status == 405:
        return {"detail": "method_not_allowed", "message": _("This address does not take this method.")}
    if status == 413:
        return {"detail": "too_large", "message": _("The request body is too large.")}
    if status == 403:
        return {"detail": "forbidden", "message": _("You may not do this.")}
    if status >= 500:
        return {
            "detail": "server_error",
            "message": _("Something went wrong on the server; it has been logged."),
        }
    return {"detail": "bad_request", "message": _("The request could not be read.")}


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.split(";")[0].strip().endswith("json")


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or getattr(response, "streaming", False)
            or _is_json(response)
        ):
            return response
        answer = JsonResponse(_body(response.status_code), status=response.status_code)
        for header in _KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer
