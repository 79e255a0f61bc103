"""A request id on every request, response and log line: the proxy's X-Request-ID when it is a sane token,
else a new one; the response carries it back, and every log record written while the request (or a
Celery task: its task id) runs has it as `request_id`, so one line in nginx's log finds all of ours."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed (request_finished), since Django logs a 4xx/5xx after the
        # middleware chain has returned.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_done(**_: object) -> None:
    current_request_id.set("-")


request_finished.connect(_request_done, dispatch_uid="request_id_done")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (a dash outside any request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def task_id_as_request_id(task_id: str | None = None, **_: object) -> None:
    """Celery's task_prerun: a task's log lines carry its task id."""
    current_request_id.set(task_id or "-")
