"""Pages compressed on the way out (issue 17: what a phone downloads on a slow network).

Whitenoise serves the static files' gzip copies itself (CompressedManifestStaticFilesStorage when DEBUG is off);
this compresses what the app renders: HTML, JSON, scripts and text (an entry page of 100 KB goes out as about
10 KB). Django's GZipMiddleware, with its BREACH mitigation (random padding in the gzip header), limited to
responses held in memory of a compressible type: streamed exports and files go out as they are, with their length.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml", "image/svg+xml")


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.headers.get("Content-Type", "")
        if response.streaming or not content_type.startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
