"""What makes a background job always end: a lease its worker renews, and a bound on each SQL statement.

A job row (an export, a recompute chunk, a large import) carries `heartbeat_at`. While a worker runs the
job, a small thread renews it every `JOB_HEARTBEAT_SECONDS`; if the worker dies (killed, out of memory,
machine lost), the renewals stop and after `JOB_LEASE_SECONDS` the periodic sweep of its kind
(reports.tasks, reports.tasks_exports, units.tasks) sees a lapsed lease and sends the job again or marks
it failed with the reason. It lives at the bottom of the layers (units) so that every app's jobs use it. A thread is used rather than the
job's progress callbacks because a single step (one big query, one sheet) may run longer than a lease.

`statement_timeout` bounds every statement a task sends to PostgreSQL: a query stuck on a lock ends as
an error the task reports, instead of waiting for the hard time limit that kills the worker's process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, connections, models
from django.utils import timezone

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    """How long after its last renewal a job's worker counts as dead."""
    return max(1, int(getattr(settings, "JOB_LEASE_SECONDS", 60)))


def lease_lapsed_before(now: dt.datetime | None = None) -> dt.datetime:
    """A lease renewed before this moment has lapsed."""
    return (now or timezone.now()) - dt.timedelta(seconds=lease_seconds())


def resend_before(now: dt.datetime | None = None) -> dt.datetime:
    """A queued job sent before this moment and never started is sent again (its message may be lost)."""
    return (now or timezone.now()) - dt.timedelta(seconds=max(0, int(getattr(settings, "JOB_RESEND_AFTER_SECONDS", 300))))


class LeaseKeeper:
    """Renews `heartbeat_at` of the rows matching `filters` from a thread until the block ends.

    The filters carry the claim (e.g. the attempt number), so a worker that lost its job to another one
    stops renewing it. Renewal failures (a database blip) are logged, never raised: the job's own work
    decides its outcome.
    """

    def __init__(self, model: type[models.Model], **filters: Any) -> None:
        self.model = model
        self.filters = filters
        self.every = max(0.2, float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 10)))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{model._meta.model_name}", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    if not self.model.objects.filter(**self.filters).update(heartbeat_at=timezone.now()):
                        return  # the job is no longer ours (finished, failed, or taken over)
                except Exception:
                    logger.warning("Không gia hạn được công việc %s %s", self.model._meta.label, self.filters, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 30)


@contextmanager
def lease_kept(model: type[models.Model], *, enabled: bool = True, **filters: Any) -> Iterator[None]:
    """`LeaseKeeper` as a block; `enabled=False` (an eager run inside a web request) keeps no lease."""
    if not enabled:
        yield
        return
    with LeaseKeeper(model, **filters):
        yield


@contextmanager
def statement_timeout(seconds: float | None) -> Iterator[None]:
    """Bound every statement sent inside the block to `seconds` (PostgreSQL; elsewhere nothing).

    Set on the session and reset afterwards, since a worker keeps its connection between tasks.
    """
    if not seconds or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(int(seconds * 1000))])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except Exception:  # a broken connection is replaced by Django at the next request or task
            logger.warning("Không đặt lại được statement_timeout", exc_info=True)
