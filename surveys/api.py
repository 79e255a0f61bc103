"""The JSON submission API used by the browser queue and by external tools.

POST /api/v1/responses/ with a JSON body (see docs/api.md; with `revises`, the resubmission of a response
sent back to its enumerator, surveys.services.resubmission):
201 stored; 200 the same UUID and content was already stored (nothing new saved); 409 the same UUID
with other content; 422 invalid (field errors in Vietnamese); 403 closed or not allowed; 404 unknown
or outside the user's units; 401 no valid login or key. Two ways in: a personal API key
(`Authorization: Bearer hl_…`, for tools; see units.selectors.user_for_api_key), or the browser's session
with the CSRF header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, JsonResponse
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from surveys.models import FlagKind, Response, ResponseSource, ResponseStatus
from surveys.services.responses import SubmissionError, Submitter, response_submit
from surveys.services.resubmission import response_resubmit
from units.selectors import user_for_api_key

MAX_BODY = 1024 * 1024


def response_json(
    response: Response, *, created: bool, version: int | None = None, flags: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The reply to a submission: with `version` a resubmission's version of the response; with `flags` (field
    staff and tools, not the online survey's citizens) the response's quality flags and whether it is held
    for review (surveys.quality.flags)."""
    reply: dict[str, Any] = {"id": response.pk, "uuid": str(response.uuid), "status": response.status, "created": created}
    if version is not None:
        reply["version"] = version
    if flags is not None:
        reply["flags"] = [{"kind": kind, "label": FlagKind(kind).label, "message": message} for kind, message in flags]
        reply["held"] = response.status == ResponseStatus.ON_HOLD
        if reply["held"] and flags:
            reply["detail"] = _("Phiếu bị gắn cờ nên được tạm giữ, chờ người giám sát duyệt rồi mới được tính.")
    return reply


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity and -Infinity are not JSON


def read_json(request: HttpRequest) -> Any:
    """The request body as JSON, or raise a SubmissionError (never a 500).

    What the JSON may hold (depth, NUL, numbers) is checked by the response writer (`payload_check`).
    """
    try:
        body = request.body
    except RawPostDataException:  # a multipart form, already read for its fields (config.input_bounds): not JSON
        raise SubmissionError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from None
    if len(body) > MAX_BODY:
        raise SubmissionError(_("Nội dung gửi lên quá lớn."))
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):  # ValueError also for an integer of more than 4,300 digits
        raise SubmissionError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from None
    except RecursionError:
        raise SubmissionError(_("Nội dung gửi lên lồng nhau quá sâu.")) from None


def submission_response(payload_reader, submitter: Submitter) -> JsonResponse:  # type: ignore[no-untyped-def]
    """Run one submission (a resubmission when it names the response it `revises`) and turn its outcome
    into the API's status codes."""
    try:
        payload = payload_reader()
        write = response_resubmit if isinstance(payload, Mapping) and payload.get("revises") not in (None, "") else response_submit
        result = write(payload=payload, submitter=submitter)
    except SubmissionError as error:
        return JsonResponse(error.as_json(), status=error.status)
    flags = result.flags
    if submitter.user is None:
        flags = None
    elif flags is None:  # a resend or a resubmission: the flags stored with the response
        flags = list(result.response.flags.order_by("pk").values_list("kind", "message"))
    return JsonResponse(response_json(result.response, created=result.created, version=result.version, flags=flags), status=201 if result.created else 200)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, returning the reason of a failure instead of the 403 page."""

    def _reject(self, request: HttpRequest, reason: str) -> str:  # type: ignore[override]
        return reason


def csrf_failure(request: HttpRequest) -> str | None:
    """Why a session-authenticated POST fails the CSRF check, or None when it passes."""
    check = _CsrfCheck(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(request)
    return check.process_view(request, None, (), {})  # type: ignore[arg-type]


def _api_user(request: HttpRequest) -> tuple[User | AnonymousUser, JsonResponse | None]:
    """The caller: by personal API key (`Authorization: Bearer …`, no CSRF) or by the browser session
    (with the CSRF header). A refusal comes back as the JSON reply to send."""
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        user = user_for_api_key(key.strip())
        if user is None:
            return AnonymousUser(), JsonResponse({"detail": _("Khoá API không hợp lệ, đã bị thu hồi hoặc đã hết hạn."), "errors": {}}, status=401)
        return user, None
    # Any other Authorization (e.g. Basic, sent by browsers behind a password-protected staging site)
    # is not ours: the session decides.
    if not request.user.is_authenticated:
        return request.user, JsonResponse({"detail": _("Cần đăng nhập."), "errors": {}}, status=401)
    if csrf_failure(request) is not None:
        # "code": the browser queue keeps the response and retries (a stale token after logging in again
        # in another tab), as it does for a 401, instead of giving it up as refused.
        detail = _("Thiếu mã chống giả mạo (CSRF); hãy tải lại trang rồi gửi lại.")
        return request.user, JsonResponse({"detail": detail, "errors": {}, "code": "csrf"}, status=403)
    return request.user, None


@csrf_exempt  # checked in _api_user for session callers; a key needs no CSRF token
@require_POST
def responses_create(request: HttpRequest) -> JsonResponse:
    user, refusal = _api_user(request)
    if refusal is not None:
        return refusal
    source = ResponseSource.OFFLINE if request.headers.get("X-Hailong-Queued") == "1" else ResponseSource.API
    if request.headers.get("X-Hailong-Client") == "web" and source != ResponseSource.OFFLINE:
        source = ResponseSource.WEB
    return submission_response(lambda: read_json(request), Submitter(user=user, source=source))
