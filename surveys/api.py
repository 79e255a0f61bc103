"""The JSON submission API used by the browser queue and by external tools.

POST /api/v1/responses/ with a JSON body (see docs/api.md):
201 stored; 200 the same UUID and content was already stored (nothing new saved); 409 the same UUID
with other content; 422 invalid (field errors in Vietnamese); 403 closed or not allowed; 404 unknown
or outside the user's units. Session authentication with the CSRF header, as the browser sends it.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.models import Response, ResponseSource
from surveys.services.responses import SubmissionError, Submitter, response_submit

MAX_BODY = 1024 * 1024


def response_json(response: Response, *, created: bool) -> dict[str, Any]:
    return {"id": response.pk, "uuid": str(response.uuid), "status": response.status, "created": created}


def read_json(request: HttpRequest) -> Any:
    """The request body as JSON, or raise a SubmissionError (never a 500)."""
    if len(request.body) > MAX_BODY:
        raise SubmissionError(_("Nội dung gửi lên quá lớn."))
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SubmissionError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from None


def submission_response(payload_reader, submitter: Submitter) -> JsonResponse:  # type: ignore[no-untyped-def]
    """Run one submission and turn its outcome into the API's status codes."""
    try:
        result = response_submit(payload=payload_reader(), submitter=submitter)
    except SubmissionError as error:
        return JsonResponse(error.as_json(), status=error.status)
    return JsonResponse(response_json(result.response, created=result.created), status=201 if result.created else 200)


@require_POST
def responses_create(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Cần đăng nhập."), "errors": {}}, status=401)
    source = ResponseSource.OFFLINE if request.headers.get("X-Hailong-Queued") == "1" else ResponseSource.API
    if request.headers.get("X-Hailong-Client") == "web" and source != ResponseSource.OFFLINE:
        source = ResponseSource.WEB
    return submission_response(lambda: read_json(request), Submitter(user=request.user, source=source))
