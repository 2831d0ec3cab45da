"""Pages sent gzip-compressed; the API left as it is.

The API's ETag names the record's version and clients send it back in If-Match: Django's
GZipMiddleware weakens every ETag it compresses under (`W/"3"`), which a strict client no longer
matches, and an API client asks for compression on its own terms anyway. The HTML pages are what
a phone on a slow line waits for.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

API_PREFIX = "/api/"


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)
