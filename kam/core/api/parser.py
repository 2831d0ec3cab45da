"""Request bodies are JSON, sent as JSON: a body under another content type (text/plain, a form) is
refused with 415 rather than read as JSON anyway, so a browser form elsewhere cannot post to the API
as if it were a script, and a client learns at once that it sends the wrong thing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class UnsupportedMediaType(Exception):
    """The body's content type is not JSON."""


def is_json_type(content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class JsonOnlyParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json_type(request.content_type):
            raise UnsupportedMediaType(request.content_type)
        return super().parse_body(request)
