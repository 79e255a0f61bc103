"""NUL characters are refused at the edge, for every page and every visitor.

PostgreSQL cannot store or even compare text holding NUL (the driver raises before the query is sent),
so one `?q=%00` in an admin search or `?don-vi=%00` on the public survey answered a 500. A request
whose path, query string or form fields hold NUL gets a 400 with a Vietnamese message; a cookie holding
NUL is dropped (the visitor could not remove it through this site). JSON bodies are checked by their
readers (surveys.services.responses.payload_check), which name the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from config.locale import SUPPORTED

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(data) -> bool:  # type: ignore[no-untyped-def]  # a QueryDict
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
            del request.COOKIES[name]
        if NUL in request.path or _holds_nul(request.GET) or (request.content_type in FORM_TYPES and _holds_nul(request.POST)):
            return self._refusal(request)
        return self.get_response(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        with translation.override(chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE):
            message = _("Yêu cầu có ký tự NUL (\\0), không được phép.")
        if request.path.startswith("/api/") or request.content_type == "application/json":
            return JsonResponse({"detail": message, "errors": {}}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
