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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Q
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


# ------------------------------------------------------------------------------------------ a job row's life
# An export and a large import live alike: requested → running → done | failed, a claim that counts the
# attempts, a lease, and a sweep. What differs (what ends a job, what its sweep says) stays with each.

REQUESTED, RUNNING = "requested", "running"


@dataclass(frozen=True)
class JobQueue:
    """One kind of job row: its model (with status, attempts, created_at, sent_at, started_at, heartbeat_at,
    progress) and the Celery task that runs one by id."""

    model: type[models.Model]
    task: str
    name: str  # in log lines, e.g. "Xuất", "Lượt nhập"

    def send(self, job_id: int) -> bool:
        """Hand the job to the broker and note when; True when sent. A broker that is down leaves the job
        requested, for the sweep to send again once the broker is back."""
        from celery import current_app

        try:
            current_app.tasks[self.task].apply_async(args=[job_id], retry=False)
        except Exception:  # the broker being down: the job waits for the sweep, its page says it is queued
            logger.warning("%s %s: không gửi được tới hàng đợi; lượt quét định kỳ sẽ gửi lại", self.name, job_id, exc_info=True)
            return False
        self.model.objects.filter(pk=job_id, status=REQUESTED).update(sent_at=timezone.now())
        return True

    def claim(self, job_id: int, *, related: tuple[str, ...] = (), **resets: Any) -> Any:
        """Move a requested job to running, one more attempt, and return it (with `resets` applied); None when
        another worker has it or it is finished. The attempt number fences every later write of this run."""
        now = timezone.now()
        with transaction.atomic():
            job = self.model.objects.select_for_update().select_related(*related).filter(pk=job_id).first()
            if job is None or job.status != REQUESTED:
                return None
            fields = {"status": RUNNING, "started_at": now, "heartbeat_at": now, "attempts": job.attempts + 1, "progress": 0, **resets}
            for name, value in fields.items():
                setattr(job, name, value)
            job.save(update_fields=list(fields))
        return job

    def stuck(self, job: Any, *, now: dt.datetime | None = None) -> bool:
        """A job that will not end by itself soon: running with a lapsed lease (its worker died), or requested
        and sent (or meant to be sent) long ago without any worker taking it."""
        if job.status == RUNNING:
            return job.heartbeat_at is None or job.heartbeat_at < lease_lapsed_before(now)
        if job.status == REQUESTED:
            return (job.sent_at or job.created_at) < resend_before(now)
        return False

    def sweep(self, *, max_attempts: int, fail: Callable[[Any], None], requeue: Callable[[Any], None]) -> dict[str, int]:
        """The periodic sweep of jobs that would never end by themselves.

        - running with a lapsed lease (the worker died): `requeue` while fewer than `max_attempts` workers
          were lost, else `fail` (a job that kills its worker every time must not kill them all); each
          under a lock of its row, after checking it is still stuck;
        - requested, sent long ago and never started (the broker lost the message, e.g. in a Redis restart,
          or could not be reached when it was asked): sent again; a duplicate message finds the job taken.
        """
        now = timezone.now()
        counts = {"requeued": 0, "failed": 0, "resent": 0}
        lapsed = self.model.objects.filter(status=RUNNING, heartbeat_at__lt=lease_lapsed_before(now))
        for job_id in lapsed.values_list("pk", flat=True):
            with transaction.atomic():
                job = self.model.objects.select_for_update().get(pk=job_id)
                if not self.stuck(job, now=now):
                    continue
                if job.attempts >= max_attempts:
                    logger.error("%s %s: máy xử lý dừng giữa chừng %s lần, đánh dấu lỗi", self.name, job.pk, job.attempts)
                    fail(job)
                    counts["failed"] += 1
                else:
                    logger.warning("%s %s: máy xử lý dừng giữa chừng, gửi lại (lần %s)", self.name, job.pk, job.attempts + 1)
                    requeue(job)
                    counts["requeued"] += 1
        waiting = self.model.objects.filter(status=REQUESTED).filter(
            Q(sent_at__lt=resend_before(now)) | Q(sent_at__isnull=True, created_at__lt=resend_before(now))
        )
        for job_id in waiting.values_list("pk", flat=True):
            counts["resent"] += self.send(job_id)
        return counts
